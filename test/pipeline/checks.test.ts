import { describe, expect, it } from 'vitest';
import {
  FIXED_TEXT_THRESHOLD,
  MAX_EMAIL_CHARS,
  checkEmail,
  findPlaceholders,
  fixedTextKept,
  isSenderPlaceholder,
  leftoverPlaceholders,
  machineTells,
  unknownPaperMentions,
} from '../../src/pipeline/checks.ts';
import { PAPERS, TEMPLATE, fillTemplate } from './fixtures.ts';

describe('findPlaceholders', () => {
  it('finds {{…}}, {…}, […] and <…> placeholders in order of appearance, once each', () => {
    const text = 'Hi <Professor Name>, your {{research_topic}} and [their book] and {topic}. Again {{research_topic}}.';
    expect(findPlaceholders(text)).toEqual(['<Professor Name>', '{{research_topic}}', '[their book]', '{topic}']);
  });

  it('ignores citations, Markdown links, e-mail addresses, URLs and HTML tags', () => {
    const text =
      'As shown [1] and [2, 3]. See [the site](https://x.example). Write to <ada@uni.example> or <https://x.example>.<br> [x]';
    expect(findPlaceholders(text)).toEqual([]);
  });
});

describe('placeholders left in the email', () => {
  it('reports template placeholders and placeholder-shaped text, but not the sender’s name', () => {
    const email = 'Dear Dr. Lovelace, I loved [their research topic] and {{something}}.\n\nBest,\n[Your Name]';
    expect(leftoverPlaceholders(email, ['{{last_name}}', '[their research topic]', '[Your Name]'])).toEqual([
      '[their research topic]',
      '{{something}}',
    ]);
  });

  it('recognises the sender’s own name placeholder in its usual spellings', () => {
    for (const p of ['[Your Name]', '{{your_name}}', '<My Name>', '[Your full name]', '{sender name}']) {
      expect(isSenderPlaceholder(p), p).toBe(true);
    }
    for (const p of ['[Name]', '[your research area]', '{{last_name}}']) expect(isSenderPlaceholder(p), p).toBe(false);
  });
});

describe('fixedTextKept', () => {
  const placeholders = ['{{last_name}}', '[their research topic]', '[Your Name]'];

  it('is 1 when every fixed sentence is kept, whatever the whitespace and quote style', () => {
    const email = fillTemplate(TEMPLATE).replace('next month? I', 'next month?\nI').replace(/'/g, '’');
    expect(fixedTextKept(TEMPLATE, email, placeholders)).toEqual({ share: 1, missing: [] });
  });

  it('counts the sentences without a placeholder that were changed or dropped', () => {
    // Fixed sentences: "My own thesis…", "Would you have time…", "I would be glad…", "Best regards,".
    const email = fillTemplate(TEMPLATE)
      .replace('Would you have time for a short call next month?', 'Could we talk soon?')
      .replace('I would be glad to share my notes.', '');
    const kept = fixedTextKept(TEMPLATE, email, placeholders);
    expect(kept.share).toBe(0.5);
    expect(kept.missing).toEqual([
      'Would you have time for a short call next month?',
      'I would be glad to share my notes.',
    ]);
    expect(kept.share).toBeLessThan(FIXED_TEXT_THRESHOLD);
  });

  it('is 1 for a template that is all placeholders', () => {
    expect(fixedTextKept('{{greeting}}\n{{body}}', 'Hello', []).share).toBe(1);
  });
});

describe('unknownPaperMentions', () => {
  it('flags arXiv ids and quoted titles that match no paper found', () => {
    const email =
      'Your paper “Programs for Analytical Engines” (arXiv:2301.00002v2) and "A Theory of Difference Engines" (2405.12345) impressed me.';
    expect(unknownPaperMentions(email, PAPERS, [], [])).toEqual([
      'arXiv 2405.12345',
      '“A Theory of Difference Engines”',
    ]);
  });

  it('accepts titles from the web sources or quoted in the research summary or template', () => {
    const email = 'I enjoyed "Notes on the Analytical Engine" and *The Thinking Machine of Tomorrow*.';
    expect(
      unknownPaperMentions(
        email,
        [],
        ['Notes on the Analytical Engine — Wikipedia'],
        ['Her book The Thinking Machine of Tomorrow [2].'],
      ),
    ).toEqual([]);
  });

  it('ignores short quotes', () => {
    expect(unknownPaperMentions('They called it "the engine".', [], [], [])).toEqual([]);
  });
});

describe('machineTells', () => {
  it('finds the tells, except those the template itself uses', () => {
    const email = 'I hope this message finds you well. I am reaching out to delve into your rich tapestry of work.';
    expect(machineTells(email, 'Hello')).toEqual([
      'I hope this email finds you well',
      'I am reaching out',
      'delve',
      'tapestry',
    ]);
    expect(machineTells(email, 'I hope this message finds you well.')).toEqual([
      'I am reaching out',
      'delve',
      'tapestry',
    ]);
  });

  it('catches a preamble before the email', () => {
    expect(machineTells('Here is the email you asked for:\n\nDear Dr. Lovelace', '')).toEqual([
      'a preamble ("Here is the email…")',
    ]);
  });
});

describe('checkEmail', () => {
  const base = {
    template: TEMPLATE,
    placeholders: ['{{last_name}}', '[their research topic]', '[Your Name]'],
    papers: PAPERS,
    sourceTitles: [],
    sourceUrls: [],
    researchSummary: '',
  };

  it('passes a well-filled email', () => {
    expect(checkEmail({ ...base, email: fillTemplate(TEMPLATE) })).toEqual([]);
  });

  it('names every problem in plain words', () => {
    const email = `I hope this email finds you well. Dear Dr. {{last_name}}, I read "A Theory of Difference Engines".${' More.'.repeat(2_000)}`;
    const problems = checkEmail({ ...base, email });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toBe('Placeholders left unfilled: {{last_name}}.');
    expect(problems[1]).toMatch(
      /^Only 0% of the template's fixed sentences were kept as written \(at least 80% needed\); changed or missing: “My own thesis/,
    );
    expect(problems[2]).toBe('Mentions work not among the papers or sources found: “A Theory of Difference Engines”.');
    expect(problems[3]).toBe('Uses machine-sounding phrases: “I hope this email finds you well”.');
    expect(problems[4]).toBe(`The email is ${email.length.toLocaleString('en')} characters long; the limit is 10,000.`);
    expect(email.length).toBeGreaterThan(MAX_EMAIL_CHARS);
  });

  it('flags links that are in neither the template nor the sources, as a problem', () => {
    const template = `${TEMPLATE}\n\nMy page: https://sam.example/thesis`;
    const sources = {
      ...base,
      template,
      sourceUrls: ['https://uni.example/~ada/papers?lang=en', 'https://www.scholar.example/ada'],
    };
    const email = (extra: string) => `${fillTemplate(template)}\n${extra}`;
    // Links from the template, the sources and the papers, as written or a little tidied, pass.
    for (const fine of [
      'See https://sam.example/thesis.',
      'Your page (https://uni.example/~ada/papers?lang=en) and http://scholar.example/ada/ and www.scholar.example/ada#top.',
      'Your group at https://uni.example/ and uni.example/~ada.',
      `The paper at ${PAPERS[0]!.url}, and [the survey](${PAPERS[1]!.url}).`,
      'It runs on Node.js/Deno and e.g. TCP/IP.',
    ]) {
      expect(checkEmail({ ...sources, email: email(fine) }), fine).toEqual([]);
    }
    expect(
      checkEmail({ ...sources, email: email('Please confirm at https://evil.example/login?u=ada, then reply.') }),
    ).toEqual(['Has links that are in neither the template nor the sources: “https://evil.example/login?u=ada”.']);
    expect(
      checkEmail({
        ...sources,
        email: email('Mirror: www.evil.example/ada and evil.com/x (also https://uni.example.evil.example/~ada).'),
      }),
    ).toEqual([
      'Has links that are in neither the template nor the sources: “www.evil.example/ada”, “evil.com/x”, “https://uni.example.evil.example/~ada”.',
    ]);
    // Another page on a source's site is not that source.
    expect(checkEmail({ ...sources, email: email('https://uni.example/~eve/phish') })).toHaveLength(1);
  });

  it('calls an empty email empty', () => {
    expect(checkEmail({ ...base, email: '  ' })).toEqual(['The email is empty.']);
  });
});
