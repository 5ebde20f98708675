import { describe, expect, it } from 'vitest';
import {
  CITED_LINE_MAX,
  citedLines,
  markedEmail,
  markedText,
  numberedSources,
  shownSubject,
} from '../../src/thread/marks.ts';
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

describe('citedLines', () => {
  const fill = (text: string, ...sources: number[]) => ({ slot: `[${text}]`, text, sources });

  it('shows the whole line holding a sourced fill, its mark right after the fill', () => {
    const view = resultView(
      'Dear Dr. Lovelace,\n\nI read your work on analytical engines with great interest.\n\nBest',
      {
        fills: [fill('Lovelace'), fill('analytical engines', 3, 1)],
      },
    );
    expect(citedLines(view)).toEqual(['I read your work on analytical engines[1][3] with great interest.']);
  });

  it('shows a line with two fills once, with both marks', () => {
    const view = resultView('Dear Ada,\n\nYour notes on engines and your letters to Babbage moved me.\n\nBest', {
      fills: [fill('notes on engines', 1), fill('letters to Babbage', 2)],
    });
    expect(citedLines(view)).toEqual(['Your notes on engines[1] and your letters to Babbage[2] moved me.']);
  });

  it('keeps the lines a fill spans together as one line', () => {
    const view = resultView('Dear Ada,\nI read your work on analytical\nengines with interest.\nBest', {
      fills: [fill('analytical\nengines', 1)],
    });
    expect(citedLines(view)).toEqual(['I read your work on analytical engines[1] with interest.']);
  });

  it('cuts a long line near its mark, with the punctuation after it: the rest cut, or the start, marked "…"', () => {
    const early = resultView('I read your notes. It was a pleasure to read them all.', {
      fills: [fill('your notes', 1)],
    });
    expect(citedLines(early, { maxChars: 30 })).toEqual(['I read your notes[1]. …']);
    const late = resultView('It was a pleasure to read them all, and I read your notes.', {
      fills: [fill('your notes', 1)],
    });
    const [cut] = citedLines(late, { maxChars: 30 });
    // At a word, ending at the mark, within the budget.
    expect(cut).toBe('…and I read your notes[1].');
    expect(cut!.length).toBeLessThanOrEqual(30);
  });

  it('cuts a long line on both sides when its mark sits in the middle', () => {
    const view = resultView('It was a pleasure to read, and I read your notes. They were long and good.', {
      fills: [fill('your notes', 1)],
    });
    const [cut] = citedLines(view, { maxChars: 30 });
    expect(cut).toBe('…and I read your notes[1]. …');
    expect(cut!.length).toBeLessThanOrEqual(30);
  });

  it('shows a long line with marks far apart in as many cuts as it takes, so no mark is left out', () => {
    const middle = ' and then'.repeat(10);
    const view = resultView(`Your notes on engines${middle} your letters to Babbage.`, {
      fills: [fill('notes on engines', 1), fill('letters to Babbage', 2)],
    });
    const cuts = citedLines(view, { maxChars: 40 });
    expect(cuts).toEqual(['Your notes on engines[1] …', '…and then your letters to Babbage[2].']);
    for (const cut of cuts) expect(cut.length).toBeLessThanOrEqual(40);
  });

  it('cuts a line at CITED_LINE_MAX by default', () => {
    const view = resultView(`I read your notes.${' and more'.repeat(60)}`, { fills: [fill('I read your notes.', 1)] });
    expect(CITED_LINE_MAX).toBe(280);
    expect(citedLines(view)).toEqual(['I read your notes.[1] …']);
  });

  it('shows identical lines once', () => {
    const view = resultView('I read your notes.\n\nAgain: I read your notes.\n\nI read your notes.', {
      fills: [fill('your notes', 1)],
    });
    expect(citedLines(view)).toEqual(['I read your notes[1].', 'Again: I read your notes[1].']);
  });

  it('shows nothing without a sourced fill', () => {
    expect(citedLines(resultView(EMAIL))).toEqual([]);
    expect(citedLines(resultView(EMAIL, { fills: [fill('Lovelace')] }))).toEqual([]);
    expect(citedLines(resultView(''))).toEqual([]);
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
