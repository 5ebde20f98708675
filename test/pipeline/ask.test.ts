import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, InvalidAnswerError, PermanentError, RetryableError } from '../../src/errors.ts';
import { askStructured } from '../../src/pipeline/ask.ts';
import { createAnthropicLlm } from '../../src/pipeline/clients/anthropic.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.ts';
import { fails, llmDouble, rawAnswer, sequence } from './doubles.ts';

const schema = z.object({ n: z.number() });
const request = {
  model: 'm',
  system: 's',
  messages: [{ role: 'user' as const, content: 'Give n.' }],
  maxTokens: 10,
  schema,
  name: 'n',
};

describe('askStructured', () => {
  it('returns a valid first answer without a follow-up', async () => {
    const llm = llmDouble({ structured: { n: sequence({ n: 1 }) } });
    await expect(askStructured(llm, request, 'counter')).resolves.toMatchObject({ value: { n: 1 }, corrected: false });
    expect(llm.requests).toHaveLength(1);
  });

  it('asks once more with the validation error appended, and uses the corrected answer', async () => {
    const llm = llmDouble({ structured: { n: sequence<unknown, unknown>({ n: 'one' }, { n: 1 }) } });
    await expect(askStructured(llm, request, 'counter')).resolves.toMatchObject({ value: { n: 1 }, corrected: true });
    const retry = llm.requests[1];
    expect(retry?.messages).toHaveLength(3);
    expect(retry?.messages[0]).toEqual(request.messages[0]);
    expect(retry?.messages[1]).toEqual({ role: 'assistant', content: '{"n":"one"}' });
    expect(retry?.messages[2]?.role).toBe('user');
    expect(retry?.messages[2]?.content).toContain('expected number');
    expect(retry?.messages[2]?.content).toMatch(
      /^Your previous answer could not be used[\s\S]*Answer again with only the corrected JSON/,
    );
  });

  it('fails with a clear InvalidAnswerError after a second invalid answer', async () => {
    const llm = llmDouble({ structured: { n: sequence<unknown, unknown>(rawAnswer('sorry, no JSON'), { n: 'one' }) } });
    const error = await askStructured(llm, request, 'template parser').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect((error as Error).message).toMatch(
      /^The template parser returned an answer we could not use twice: .*expected number/s,
    );
    expect(llm.requests).toHaveLength(2);
  });

  it('lets other errors through untouched, without a corrective retry', async () => {
    const busy = new RetryableError(ErrorCode.ServiceUnavailable, 'Anthropic is overloaded (529)');
    const llm = llmDouble({ structured: { n: sequence<unknown, unknown>(fails(busy)) } });
    await expect(askStructured(llm, request, 'counter')).rejects.toBe(busy);
    expect(llm.requests).toHaveLength(1);
  });
});

describe('askStructured with the Anthropic client', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(() => fake.close());
  const llm = () => createAnthropicLlm({ apiKey: fake.apiKey, baseUrl: fake.url });

  it('still corrects a finished answer that is not the JSON asked for', async () => {
    fake.queue('n', { text: 'n is one' }, { json: { n: 1 } });
    const before = fake.calls().length;
    await expect(askStructured(llm(), request, 'counter')).resolves.toMatchObject({ value: { n: 1 }, corrected: true });
    expect(fake.calls().length - before).toBe(2);
  });

  // The text each one arrives with looks like broken JSON; a correction would not change the outcome.
  it.each([
    ['max_tokens', '{"n": 12345', PermanentError, ErrorCode.AnswerTooLong],
    ['refusal', '', PermanentError, ErrorCode.ModelDeclined],
    ['model_context_window_exceeded', '{"n"', PermanentError, ErrorCode.InputTooLong],
    ['pause_turn', '', RetryableError, ErrorCode.AnswerIncomplete],
  ] as const)(
    'does not send an answer that stopped with %s back for correction',
    async (stopReason, text, kind, code) => {
      fake.queue('n', { text, stopReason });
      const before = fake.calls().length;
      const error = await askStructured(llm(), request, 'counter').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(kind);
      expect(error).not.toBeInstanceOf(InvalidAnswerError);
      expect(error).toMatchObject({ code });
      expect(fake.calls().length - before).toBe(1);
    },
  );
});
