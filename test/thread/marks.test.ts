import { describe, expect, it } from 'vitest';
import { markedEmail, markedText, numberedSources, shownSubject } from '../../src/thread/marks.ts';
import { resultView } from '../helpers/result-view.ts';

const EMAIL = 'Dear Dr. Lovelace,\n\nI read your work on analytical engines.\n\nBest regards,\n[Your Name]';

describe('markedEmail', () => {
  it('marks each sourced fill where it stands and gives back the bare email without the marks', () => {
    const view = resultView(EMAIL, {
      fills: [
        { slot: '{{last_name}}', text: 'Lovelace', sources: [] },
        { slot: '[topic]', text: ' analytical engines\r\n', sources: [3, 1, 3] },
      ],
    });
    const segments = markedEmail(view);
    expect(segments).toEqual([
      { text: 'Dear Dr. Lovelace,\n\nI read your work on ' },
      { text: 'analytical engines', sources: [1, 3] },
      { text: '.\n\nBest regards,\n[Your Name]' },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe(EMAIL);
    expect(markedText(segments)).toBe(
      'Dear Dr. Lovelace,\n\nI read your work on analytical engines[1][3].\n\nBest regards,\n[Your Name]',
    );
  });

  it('marks a fill each time it appears, and a fill inside a longer one only once, with the longer', () => {
    const email = 'On engines. I read your engines work. Engines again: engines.';
    const segments = markedEmail(
      resultView(email, {
        fills: [
          { slot: '[a]', text: 'engines', sources: [2] },
          { slot: '[b]', text: 'your engines work', sources: [1] },
        ],
      }),
    );
    expect(markedText(segments)).toBe('On engines[2]. I read your engines work[1]. Engines again: engines[2].');
    expect(segments.map((s) => s.text).join('')).toBe(email);
  });

  it('leaves an email without fills (edited, older) as one plain segment', () => {
    expect(markedEmail(resultView(EMAIL))).toEqual([{ text: EMAIL }]);
    expect(markedEmail(resultView(''))).toEqual([{ text: '' }]);
  });
});

describe('shownSubject', () => {
  it('shows a written subject, and not a template subject line the email already opens with', () => {
    expect(shownSubject(resultView(EMAIL, { subject: 'About your engines' }))).toBe('About your engines');
    expect(shownSubject(resultView(`Subject: About your engines\n\n${EMAIL}`, { subject: 'About your engines' }))).toBe(
      undefined,
    );
    expect(shownSubject(resultView(EMAIL))).toBe(undefined);
  });
});

describe('numberedSources', () => {
  it('numbers the papers after the last web source, as the fills cite them', () => {
    const papers = [{ title: 'Notes', url: 'https://arxiv.org/abs/1', year: 1843 }];
    const sources = [
      { n: 1, url: 'https://a.example', title: 'A' },
      { n: 4, url: 'https://b.example', title: 'B' },
    ];
    expect(numberedSources({ sources, papers }).map((c) => [c.n, c.title])).toEqual([
      [1, 'A'],
      [4, 'B'],
      [5, 'Notes'],
    ]);
  });
});
