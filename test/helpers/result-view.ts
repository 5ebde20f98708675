import type { ResultView } from '../../src/thread/reporter.ts';

/** A finished email as the worker hands it to a reporter: to Dr. Ada Lovelace, one web source. */
export function resultView(email: string, extra: Partial<ResultView> = {}): ResultView {
  return {
    recipientName: 'Dr. Ada Lovelace',
    version: 1,
    email,
    draft: false,
    problems: [],
    notes: [],
    sources: [{ n: 1, url: 'https://uni.example/ada', title: 'Ada' }],
    papers: [],
    ...extra,
  };
}
