import { describe, expect, it } from 'vitest';
import { coalesceProgress, createCoalescer } from '../../src/jobs/coalesce.ts';
import { initialProgress } from '../../src/thread/progress.ts';
import type { ProgressView, ThreadAddress, ThreadReporter } from '../../src/thread/reporter.ts';
import { silentLogger } from '../../src/log.ts';

const address: ThreadAddress = {
  generationId: 'g1',
  platform: 'slack',
  teamId: 'T1',
  channelId: 'C1',
  threadId: 't1',
  progressMessageId: 'm1',
};

function recorder() {
  const edits: { at: number; status: string; label: string }[] = [];
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const reporter: ThreadReporter = {
    async progress(_a, view) {
      calls.push('progress');
      edits.push({ at: Date.now(), status: view.status, label: view.recipientName });
    },
    async result() {
      calls.push('result');
      return { messageIds: ['r1'] };
    },
    async failed() {
      calls.push('failed');
    },
  };
  return { reporter, edits, calls, hold: (r: () => void) => (release = r), release: () => release?.() };
}

const view = (label: string, status: ProgressView['status'] = 'running'): ProgressView => ({
  ...initialProgress(label, 1),
  status,
});

describe('coalesceProgress', () => {
  it('sends the first edit at once, then at most one per interval, always ending on the last state', async () => {
    const { reporter, edits } = recorder();
    const coalesced = coalesceProgress(reporter, { intervalMs: 200, logger: silentLogger() });
    for (let i = 1; i <= 10; i++) await coalesced.progress(address, view(`state ${i}`));
    expect(edits.map((e) => e.label)).toEqual(['state 1']);
    await coalesced.flush(address);
    expect(edits.map((e) => e.label)).toEqual(['state 1', 'state 10']);
  });

  it('delivers the pending state by itself when the interval passes', async () => {
    const { reporter, edits } = recorder();
    const coalesced = coalesceProgress(reporter, { intervalMs: 100, logger: silentLogger() });
    await coalesced.progress(address, view('a'));
    await coalesced.progress(address, view('b'));
    await coalesced.progress(address, view('c'));
    await expect.poll(() => edits.map((e) => e.label), { timeout: 2_000, interval: 20 }).toEqual(['a', 'c']);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(90);
  });

  it('delivers the last progress state before the result and before a failure message', async () => {
    const { reporter, calls, edits } = recorder();
    const coalesced = coalesceProgress(reporter, { intervalMs: 10_000, logger: silentLogger() });
    await coalesced.progress(address, view('first'));
    await coalesced.progress(address, view('final', 'succeeded'));
    await coalesced.result(
      address,
      { recipientName: 'x', version: 1, email: 'e', draft: false, problems: [], sources: [], papers: [], notes: [] },
      { existingMessageIds: [], maybePosted: false },
    );
    expect(calls).toEqual(['progress', 'progress', 'result']);
    expect(edits.at(-1)).toMatchObject({ label: 'final', status: 'succeeded' });

    await coalesced.progress(address, view('broken', 'failed'));
    await coalesced.progress(address, view('broken again', 'failed'));
    await coalesced.failed(address, { message: 'Anthropic is down', retryable: true, tries: 4 });
    expect(calls.slice(-2)).toEqual(['progress', 'failed']);
    expect(edits.at(-1)?.label).toBe('broken again');
  });

  it('keeps a failing edit from failing the caller', async () => {
    const failing: ThreadReporter = {
      progress: async () => {
        throw new Error('ratelimited');
      },
      result: async () => ({ messageIds: [] }),
      failed: async () => undefined,
    };
    const coalesced = coalesceProgress(failing, { intervalMs: 10, logger: silentLogger() });
    await expect(coalesced.progress(address, view('x'))).resolves.toBeUndefined();
    await expect(coalesced.flush(address)).resolves.toBeUndefined();
  });
});

describe('createCoalescer', () => {
  it('coalesces each key on its own, and flushAll delivers every key’s last state', async () => {
    const sent: string[] = [];
    const tables = createCoalescer<string>({
      intervalMs: 10_000,
      send: async (state) => void sent.push(state),
      failed: () => undefined,
    });
    for (const state of ['a1', 'b1', 'a2', 'a3', 'b2']) await tables.offer(state[0]!, state);
    expect(sent).toEqual(['a1', 'b1']);
    await tables.flushAll();
    expect(sent).toEqual(['a1', 'b1', 'a3', 'b2']);
    await tables.flushAll();
    expect(sent).toHaveLength(4);
  });
});
