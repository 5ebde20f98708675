import { describe, expect, it } from 'vitest';
import { applyProgressEvent, initialProgress } from '../../src/thread/progress.ts';

describe('progress view', () => {
  it('starts with every step pending, or done from saved steps when resuming', () => {
    expect(Object.values(initialProgress('Ada', 1).steps).map((s) => s.state)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    const resumed = initialProgress('Ada', 2, {
      parse: { status: 'done', output: null, durationMs: 1234, warnings: [], finishedAt: '2026-01-01T00:00:00Z' },
      arxiv: { status: 'skipped', output: null, durationMs: 0, warnings: [], finishedAt: '2026-01-01T00:00:00Z' },
      research: {
        status: 'done',
        output: null,
        durationMs: 5300,
        warnings: ['1 of 4 pages could not be read'],
        finishedAt: '2026-01-01T00:00:00Z',
        reused: true,
      },
    });
    expect(resumed.steps.parse).toEqual({ state: 'done', seconds: 1.2, warnings: [], note: undefined });
    expect(resumed.steps.research).toMatchObject({
      state: 'done',
      seconds: 5.3,
      warnings: ['1 of 4 pages could not be read'],
      note: 'reused from earlier research',
    });
    expect(resumed.steps.arxiv.state).toBe('skipped');
    expect(resumed.steps.compose.state).toBe('pending');
  });

  it('follows the runner: started, finished with seconds and warnings, skipped with a reason, failed, retrying', () => {
    let view = initialProgress('Ada', 1);
    view = applyProgressEvent(view, { step: 'parse', kind: 'started' });
    expect(view.status).toBe('running');
    expect(view.steps.parse.state).toBe('running');
    view = applyProgressEvent(view, { step: 'parse', kind: 'finished', durationMs: 1210, warnings: [] });
    expect(view.steps.parse).toEqual({ state: 'done', seconds: 1.2, warnings: [] });
    view = applyProgressEvent(view, { step: 'arxiv', kind: 'skipped', reason: 'only for research templates' });
    expect(view.steps.arxiv).toEqual({ state: 'skipped', warnings: [], note: 'only for research templates' });
    view = applyProgressEvent(view, {
      step: 'research',
      kind: 'retrying',
      attempt: 2,
      of: 3,
      delayMs: 29_500,
      message: 'Exa answered 503',
    });
    expect(view.status).toBe('retrying');
    // Exactly: the thread shows "(try 2 of 3)", never "of 0".
    expect(view.retry).toEqual({ attempt: 2, of: 3, inSeconds: 30, reason: 'Exa answered 503' });
    view = applyProgressEvent(view, { step: 'research', kind: 'failed', message: 'Exa is down' });
    expect(view.steps.research).toMatchObject({ state: 'failed', note: 'Exa is down' });
  });

  it("keeps the runner's reuse mark: research taken from the cache mid-run says so", () => {
    let view = initialProgress('Ada', 1);
    view = applyProgressEvent(view, {
      step: 'research',
      kind: 'finished',
      durationMs: 5_300,
      warnings: ['1 of 4 pages could not be read'],
      reused: true,
    });
    expect(view.steps.research).toEqual({
      state: 'done',
      seconds: 5.3,
      warnings: ['1 of 4 pages could not be read'],
      note: 'reused from earlier research',
    });
    // A fresh run has no note.
    view = applyProgressEvent(view, { step: 'compose', kind: 'finished', durationMs: 3_100, warnings: [] });
    expect(view.steps.compose).toEqual({ state: 'done', seconds: 3.1, warnings: [] });
  });
});
