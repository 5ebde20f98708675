import { describe, expect, it } from 'vitest';
import { EMAIL_ANSWER, composeEmail, type ComposeInput } from '../../../src/pipeline/steps/compose.ts';
import type { SenderProfile } from '../../../src/pipeline/sender.ts';
import { llmDouble, sequence, type StructuredRequest } from '../doubles.ts';
import { INPUT, PAPERS, SUMMARY, fillsAnswer, parsedTemplate } from '../fixtures.ts';

const TEMPLATE =
  'Subject: From [Your Name] about [their research topic]\n\nDear Dr. {{last_name}},\n\nI read about [their research topic].\n\nI am [Your Position] at [Your University], where [my research].\n\nBest,\n[Your Name]\n[Your Phone]';
const PROFILE: SenderProfile = {
  name: 'Mary Somerville',
  position: 'a doctoral student',
  institution: 'Edinburgh University',
  work: 'I study the mechanics of the heavens',
};
const SENDER_VALUES = Object.values(PROFILE) as string[];

function run(sender: SenderProfile | undefined) {
  const parsed = parsedTemplate(
    'RESEARCH',
    [
      '[Your Name]',
      '[their research topic]',
      '{{last_name}}',
      '[Your Position]',
      '[Your University]',
      '[my research]',
      '[Your Phone]',
    ],
    TEMPLATE,
  );
  const compose: ComposeInput = {
    input: { ...INPUT, template: TEMPLATE, sender },
    parsed,
    research: { summary: SUMMARY, sources: [{ n: 1, url: 'https://uni.example/~ada', title: 'Ada Lovelace' }] },
    papers: PAPERS,
  };
  const llm = llmDouble({ structured: { [EMAIL_ANSWER]: sequence<StructuredRequest, unknown>(fillsAnswer) } });
  return { llm, result: composeEmail(compose, { llm, models: { writer: 'writer-model' } }) };
}

describe('composeEmail with a sender profile', () => {
  it('fills the sender slots from the profile in code; the model never sees or writes those values', async () => {
    const { llm, result } = run(PROFILE);
    const { output } = await result;
    expect(output.email).toBe(
      'Subject: From Mary Somerville about programs for analytical engines\n\nDear Dr. Lovelace,\n\nI read about programs for analytical engines.\n\nI am a doctoral student at Edinburgh University, where I study the mechanics of the heavens.\n\nBest,\nMary Somerville\n[Your Phone]',
    );
    expect(output.subject).toBe('From Mary Somerville about programs for analytical engines');
    expect(output.senderLeft).toEqual(['[Your Phone]']);
    // Neither the prompt nor the answer carries any of the profile's values.
    expect(llm.requests).toHaveLength(1);
    const sent = JSON.stringify(llm.requests);
    const answered = JSON.stringify(output.fills);
    for (const value of SENDER_VALUES) {
      expect(sent).not.toContain(value);
      expect(answered).not.toContain(value);
    }
  });

  it('without a profile leaves every sender slot as written and names them', async () => {
    const { output } = await run(undefined).result;
    expect(output.email).toContain('I am [Your Position] at [Your University], where [my research].');
    expect(output.email).toMatch(/Best,\n\[Your Name\]\n\[Your Phone\]$/);
    expect(output.senderLeft).toEqual([
      '[Your Name]',
      '[Your Position]',
      '[Your University]',
      '[my research]',
      '[Your Phone]',
    ]);
  });
});
