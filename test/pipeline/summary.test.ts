import { describe, expect, it } from 'vitest';
import { summarizeRun } from '../../src/pipeline/summary.ts';
import type { PipelineData } from '../../src/pipeline/types.ts';
import { INPUT, PAPERS } from './fixtures.ts';

const done = { durationMs: 1, warnings: [], finishedAt: '2025-01-01T00:00:00.000Z', status: 'done' as const };

describe('summarizeRun', () => {
  it('is undefined before there is an email', () => {
    expect(summarizeRun({ input: INPUT, steps: {} })).toBeUndefined();
  });

  it('gives the email, the numbered web sources and the papers', () => {
    const data: PipelineData = {
      input: INPUT,
      steps: {
        research: {
          ...done,
          output: { summary: 's [1]', sources: [{ n: 1, url: 'https://uni.example/~ada', title: 'Ada' }] },
        },
        arxiv: { ...done, output: { papers: PAPERS.slice(0, 1) } },
        compose: { ...done, output: { email: 'Dear Ada', draft: true, problems: ['p'] } },
      },
    };
    const summary = summarizeRun(data);
    expect(summary).toEqual({
      email: 'Dear Ada',
      draft: true,
      problems: ['p'],
      sources: [{ n: 1, url: 'https://uni.example/~ada', title: 'Ada' }],
      papers: [
        { id: '2401.00001', title: 'A survey of weaving looms', year: 2024, url: 'https://arxiv.org/abs/2401.00001' },
      ],
    });
  });

  it('carries the subject and each fill with the numbers it cites, for the result to show', () => {
    const fills = [{ slot: '[their paper]', text: 'your survey of weaving looms', sources: [2] }];
    const data: PipelineData = {
      input: INPUT,
      steps: {
        compose: { ...done, output: { email: 'Dear Ada', subject: 'Your looms', fills, draft: false, problems: [] } },
      },
    };
    expect(summarizeRun(data)).toMatchObject({ subject: 'Your looms', fills });
  });

  it('handles a skipped arXiv step and no sources', () => {
    const data: PipelineData = {
      input: INPUT,
      steps: {
        arxiv: { ...done, status: 'skipped', output: null },
        compose: { ...done, output: { email: 'Hi', draft: false, problems: [] } },
      },
    };
    const summary = summarizeRun(data);
    expect(summary?.papers).toEqual([]);
    expect(summary?.sources).toEqual([]);
  });
});
