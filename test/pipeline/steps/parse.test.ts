import { describe, expect, it } from 'vitest';
import { InvalidAnswerError } from '../../../src/errors.ts';
import { PARSE_ANSWER, mergePlaceholders, parseTemplate } from '../../../src/pipeline/steps/parse.ts';
import { llmDouble, rawAnswer, sequence } from '../doubles.ts';
import { INPUT, TEMPLATE, parseAnswer } from '../fixtures.ts';

const deps = (...answers: unknown[]) => {
  const llm = llmDouble({ structured: { [PARSE_ANSWER]: sequence<unknown, unknown>(...answers) } });
  return { llm, deps: { llm, models: { fast: 'fast-model' } } };
};

describe('parseTemplate', () => {
  it('classifies with the fast model and returns search terms and placeholders', async () => {
    const { llm, deps: d } = deps(parseAnswer('RESEARCH'));
    const result = await parseTemplate(INPUT, d);
    expect(result).toEqual({
      output: {
        templateType: 'RESEARCH',
        searchTerms: ['analytical engines', 'Bernoulli numbers'],
        placeholders: ['{{last_name}}', '[their research topic]', '[Your Name]'],
        slots: [
          { placeholder: '{{last_name}}', owner: 'recipient' },
          { placeholder: '[their research topic]', owner: 'recipient' },
          { placeholder: '[Your Name]', owner: 'sender' },
        ],
        hasRecipientSlot: true,
        language: 'en',
      },
      warnings: [],
    });
    const request = llm.requests[0];
    expect(request?.model).toBe('fast-model');
    // The template first, marked stable (the same for a whole batch), then the recipient.
    const message = request?.messages[0];
    expect(
      message?.content.startsWith(`The template, between the markers:\n<<<TEMPLATE\n${TEMPLATE}\nTEMPLATE>>>`),
    ).toBe(true);
    expect(message?.content.slice(message.stableChars)).toContain('Recipient: Ada Lovelace');
    expect(message?.content.slice(0, message.stableChars)).not.toContain('Ada Lovelace');
  });

  it('classifies each placeholder, keeps the sender’s details the sender’s, and finds the language and subject', async () => {
    const template =
      'Betreff: Ihre Arbeit zu [Thema]\n\nSehr geehrte Frau {{last_name}},\n\n[persönliche Notiz]\n\nMit freundlichen Grüßen\n[Ihr Name]\n[Ihre Universität]';
    const { deps: d } = deps({
      templateType: 'RESEARCH',
      searchTerms: ['Maschinen'],
      placeholders: [
        { text: '[Thema]', owner: 'recipient' },
        { text: '{{last_name}}', owner: 'recipient' },
        { text: '[persönliche Notiz]', owner: 'personal' },
        { text: '[Ihr Name]', owner: 'sender' },
        // A model that takes the sender's university for the recipient's is overruled.
        { text: '[Ihre Universität]', owner: 'recipient' },
      ],
      language: 'de_DE',
    });
    const { output, warnings } = await parseTemplate({ ...INPUT, template }, d);
    expect(output.slots).toEqual([
      { placeholder: '[Thema]', owner: 'recipient' },
      { placeholder: '{{last_name}}', owner: 'recipient' },
      { placeholder: '[persönliche Notiz]', owner: 'personal' },
      { placeholder: '[Ihr Name]', owner: 'sender' },
      { placeholder: '[Ihre Universität]', owner: 'sender' },
    ]);
    expect(output.language).toBe('de-DE');
    expect(output.subject).toEqual({ line: 'Betreff: Ihre Arbeit zu [Thema]', text: 'Ihre Arbeit zu [Thema]' });
    expect(output.hasRecipientSlot).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('finds a Chinese subject line with a full-width colon', async () => {
    const template = '主题：关于[研究方向]的问题\n\n尊敬的教授：[个性化一句]';
    const { deps: d } = deps({ ...parseAnswer(), placeholders: [], language: 'zh' });
    const { output } = await parseTemplate({ ...INPUT, template }, d);
    expect(output.subject?.text).toBe('关于[研究方向]的问题');
    expect(output.slots).toEqual([
      { placeholder: '[研究方向]', owner: 'recipient' },
      { placeholder: '[个性化一句]', owner: 'personal' },
    ]);
  });

  it('says so when only the sender’s own details are placeholders', async () => {
    const { deps: d } = deps({ ...parseAnswer('GENERAL'), placeholders: [{ text: '[Your Name]', owner: 'sender' }] });
    const { output, warnings } = await parseTemplate(
      { ...INPUT, template: 'Would you speak at our seminar?\n[Your Name]' },
      d,
    );
    expect(output.hasRecipientSlot).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/only for your own details/)]);
  });

  it('merges the model’s placeholders with those found in code, keeping only what the template contains', async () => {
    const template = 'Dear Dr. SURNAME,\nI liked {{book_title}}.\nBest, [Name]';
    const { deps: d } = deps({
      templateType: 'BOOK',
      searchTerms: ['books'],
      // "SURNAME" only the model sees; "{{first_name}}" is invented; "Best, [Name]" overlaps "[Name]".
      placeholders: ['{{first_name}}', 'SURNAME', 'Best, [Name]', ' {{book_title}} '].map((text) => ({
        text,
        owner: 'recipient',
      })),
      language: 'en',
    });
    const { output } = await parseTemplate({ ...INPUT, template }, d);
    expect(output.templateType).toBe('BOOK');
    expect(output.placeholders).toEqual(['SURNAME', '{{book_title}}', '[Name]']);
  });

  it('warns when the template has no placeholders at all', async () => {
    const { deps: d } = deps({ templateType: 'GENERAL', searchTerms: ['x'], placeholders: [], language: 'en' });
    const result = await parseTemplate({ ...INPUT, template: 'Hello, would you speak at our seminar?' }, d);
    expect(result.output.placeholders).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/no placeholders/)]);
  });

  it('retries once with the validation error and accepts the corrected answer', async () => {
    const tooMany = { ...parseAnswer(), searchTerms: ['a', 'b', 'c', 'd', 'e', 'f'] };
    const { llm, deps: d } = deps(tooMany, parseAnswer('GENERAL'));
    const result = await parseTemplate(INPUT, d);
    expect(result.output.templateType).toBe('GENERAL');
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]?.messages.at(-1)?.content).toMatch(
      /Too big: expected array to have <=5 items[\s\S]*searchTerms/,
    );
  });

  it('fails with a clear permanent error after a second invalid answer', async () => {
    const { llm, deps: d } = deps(rawAnswer('I think it is a research email.'), {
      templateType: 'LETTER',
      searchTerms: ['x'],
      placeholders: [],
    });
    const error = await parseTemplate(INPUT, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect((error as Error).message).toMatch(
      /^The template parser returned an answer we could not use twice: .*templateType/s,
    );
    expect(llm.requests).toHaveLength(2);
  });
});

describe('mergePlaceholders', () => {
  it('orders placeholders by first appearance', () => {
    expect(mergePlaceholders('b [B] a {{A}} c <C D>', ['{{A}}'])).toEqual(['[B]', '{{A}}', '<C D>']);
  });
});
