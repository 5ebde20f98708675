import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidAnswerError, PermanentError, RetryableError } from '../../../src/errors.ts';
import { createAnthropicLlm } from '../../../src/pipeline/clients/anthropic.ts';
import { OVERLOADED, RATE_LIMITED, startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic.ts';

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());

const Answer = z.object({ colour: z.enum(['red', 'blue']), count: z.number().int() });
const ask = (llm = createAnthropicLlm({ apiKey: fake.apiKey, baseUrl: fake.url })) =>
  llm.structured({ model: 'claude-haiku-5-5', system: 's', messages: [{ role: 'user', content: 'q' }], maxTokens: 100, schema: Answer, name: 'answer' });

describe('Anthropic Llm', () => {
  it('returns text answers with usage', async () => {
    fake.respond(() => ({ text: 'Hello, Ada.' }));
    const llm = createAnthropicLlm({ apiKey: fake.apiKey, baseUrl: fake.url });
    const { text, usage } = await llm.complete({ model: 'claude-haiku-5-5', system: 'be brief', messages: [{ role: 'user', content: 'hi' }], maxTokens: 50 });
    expect(text).toBe('Hello, Ada.');
    expect(usage.inputTokens).toBeGreaterThan(0);
    const sent = fake.calls().at(-1)!;
    expect(sent).toMatchObject({ model: 'claude-haiku-5-5', system: 'be brief', max_tokens: 50 });
  });

  it('asks for structured answers through a forced tool whose schema is the zod schema', async () => {
    fake.respond(() => ({ tool: { colour: 'red', count: 3 } }));
    const { value } = await ask();
    expect(value).toEqual({ colour: 'red', count: 3 });
    const sent = fake.calls().at(-1)!;
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'answer' });
    expect(JSON.stringify(sent.tools?.[0]?.input_schema)).toContain('"enum":["red","blue"]');
  });

  it('throws InvalidAnswerError with the raw answer and the issues when the shape is wrong', async () => {
    fake.respond(() => ({ tool: { colour: 'green', count: 'many' } }));
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidAnswerError);
    expect((err as InvalidAnswerError).raw).toContain('green');
    expect((err as InvalidAnswerError).issues).toMatch(/colour/);
    expect((err as InvalidAnswerError).issues).toMatch(/count/);
  });

  it('turns 429 into a RetryableError carrying Retry-After, and 529 into a RetryableError', async () => {
    fake.respond(() => ({ tool: { colour: 'blue', count: 1 } }));
    fake.failNext([RATE_LIMITED]);
    const limited = await ask().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 1000, service: 'Anthropic' });

    fake.failNext([OVERLOADED]);
    const overloaded = await ask().catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(RetryableError);
    expect((overloaded as Error).message).toBe('Anthropic is overloaded (529): Overloaded');
  });

  it('turns a wrong key into a PermanentError that says what to check', async () => {
    const err = await ask(createAnthropicLlm({ apiKey: 'sk-ant-wrong', baseUrl: fake.url })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toBe('Anthropic rejected our credentials (401): check ANTHROPIC_API_KEY');
  });

  it('treats a malformed body and a dead server as retryable', async () => {
    fake.failNext([{ malformed: true }]);
    expect(await ask().catch((e: unknown) => e)).toBeInstanceOf(RetryableError);
    const dead = createAnthropicLlm({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
    const err = await ask(dead).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/^Anthropic could not be reached/);
  });

  it('gives up on a hanging request at its timeout', async () => {
    fake.failNext([{ hang: true }]);
    const llm = createAnthropicLlm({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 300 });
    const err = await ask(llm).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/did not answer within/);
  });
});
