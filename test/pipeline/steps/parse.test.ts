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
      },
      warnings: [],
    });
    const request = llm.requests[0];
    expect(request?.model).toBe('fast-model');
    expect(request?.messages[0]?.content).toContain(`<<<TEMPLATE\n${TEMPLATE}\nTEMPLATE>>>`);
  });

  it('merges the model’s placeholders with those found in code, keeping only what the template contains', async () => {
    const template = 'Dear Dr. SURNAME,\nI liked {{book_title}}.\nBest, [Name]';
    const { deps: d } = deps({
      templateType: 'BOOK',
      searchTerms: ['books'],
      // "SURNAME" only the model sees; "{{first_name}}" is invented; "Best, [Name]" overlaps "[Name]".
      placeholders: ['{{first_name}}', 'SURNAME', 'Best, [Name]', ' {{book_title}} '],
    });
    const { output } = await parseTemplate({ ...INPUT, template }, d);
    expect(output.templateType).toBe('BOOK');
    expect(output.placeholders).toEqual(['SURNAME', '{{book_title}}', '[Name]']);
  });

  it('warns when the template has no placeholders at all', async () => {
    const { deps: d } = deps({ templateType: 'GENERAL', searchTerms: ['x'], placeholders: [] });
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
