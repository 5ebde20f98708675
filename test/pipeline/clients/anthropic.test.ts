import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, InvalidAnswerError, PermanentError, RetryableError } from '../../../src/errors.ts';
import { createAnthropicLlm } from '../../../src/pipeline/clients/anthropic.ts';
import type { Llm } from '../../../src/pipeline/ports.ts';
import { withRetry } from '../../../src/pipeline/retry.ts';
import {
  anthropicError,
  OVERLOADED,
  RATE_LIMITED,
  SPEND_LIMIT_REACHED,
  startFakeAnthropic,
  type FakeAnthropic,
} from '../../fakes/anthropic.ts';
import { deadUrl } from '../../fakes/http.ts';

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
beforeEach(() => fake.respond(() => undefined));

const MODEL = 'claude-haiku-5-5';
const Answer = z.object({
  colour: z.enum(['red', 'blue']),
  count: z.number().int(),
  note: z.string().max(10).optional(),
});
const llmFor = (overrides: Partial<Parameters<typeof createAnthropicLlm>[0]> = {}): Llm =>
  createAnthropicLlm({ apiKey: fake.apiKey, baseUrl: fake.url, ...overrides });
const ask = (llm = llmFor(), signal?: AbortSignal) =>
  llm.structured({
    model: MODEL,
    system: 's',
    messages: [{ role: 'user', content: 'q' }],
    maxTokens: 100,
    schema: Answer,
    name: 'answer',
    signal,
  });
const complete = (llm = llmFor()) =>
  llm.complete({ model: MODEL, system: 's', messages: [{ role: 'user', content: 'q' }], maxTokens: 100 });
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Anthropic Llm: answers', () => {
  it('returns text answers with usage, sending the request as the Messages API expects', async () => {
    fake.respond(() => ({ text: 'Hello, Ada.' }));
    const { text, usage } = await llmFor().complete({
      model: MODEL,
      system: 'be brief',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'again' },
      ],
      maxTokens: 50,
    });
    expect(text).toBe('Hello, Ada.');
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    const sent = fake.requests.at(-1)!;
    // SDK 1.x sends the key as a Bearer token; older versions used x-api-key (the fake takes both).
    expect(sent.headers.authorization ?? `Bearer ${String(sent.headers['x-api-key'])}`).toBe(`Bearer ${fake.apiKey}`);
    expect(sent.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent.headers['x-stainless-retry-count']).toBe('0');
    expect(sent.json).toEqual({
      model: MODEL,
      system: 'be brief',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'again' },
      ],
    });
  });

  it('asks for structured answers with a titled JSON schema and validates the answer with zod', async () => {
    fake.queue('answer', { json: { colour: 'red', count: 3 } });
    const { value } = await ask();
    expect(value).toEqual({ colour: 'red', count: 3 });
    const schema = fake.calls().at(-1)!.output_config?.format?.schema as Record<string, unknown>;
    expect(schema).toMatchObject({
      title: 'answer',
      type: 'object',
      additionalProperties: false,
      required: ['colour', 'count'],
      properties: { colour: { enum: ['red', 'blue'] }, count: { type: 'integer' } },
    });
    // What the API cannot enforce is described to the model, and still checked by zod here.
    expect(JSON.stringify(schema)).toContain('maxLength: 10');
    expect(fake.calls().at(-1)!.tool_choice).toBeUndefined();
  });

  it('answers a structured question by default with a value shaped by its schema', async () => {
    const { value } = await ask();
    expect(value).toEqual({ colour: 'red', count: 1, note: 'example' });
  });

  it('throws InvalidAnswerError with the raw text when the answer is not JSON', async () => {
    fake.queue('answer', { text: 'Sure! The colour is red.' });
    const err = await failureOf(ask());
    expect(err).toBeInstanceOf(InvalidAnswerError);
    expect(err).toMatchObject({ code: ErrorCode.InvalidAnswer, service: 'Anthropic', raw: 'Sure! The colour is red.' });
    expect((err as InvalidAnswerError).issues).toMatch(/^the answer is not valid JSON/);
  });

  it('throws InvalidAnswerError naming every field that does not match', async () => {
    fake.queue('answer', { json: { colour: 'green', count: 'many', note: 'far too long a note' } });
    const err = (await failureOf(ask())) as InvalidAnswerError;
    expect(err).toBeInstanceOf(InvalidAnswerError);
    expect(JSON.parse(err.raw)).toEqual({ colour: 'green', count: 'many', note: 'far too long a note' });
    expect(err.issues).toMatch(/colour/);
    expect(err.issues).toMatch(/count/);
    expect(err.issues).toMatch(/note/);
    expect(err.message).toBe('Anthropic\'s answer did not match the expected "answer" shape');
  });

  it("counts the prompt cache's input tokens apart, as the API reports them", async () => {
    const usage = {
      input_tokens: 12,
      output_tokens: 7,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 1200,
    };
    fake.queue('answer', { json: { colour: 'blue', count: 2 }, usage });
    expect((await ask()).usage).toEqual({
      inputTokens: 12,
      outputTokens: 7,
      cacheCreationInputTokens: 300,
      cacheReadInputTokens: 1200,
    });

    fake.respond(() => ({ text: 'Hello.', usage }));
    expect((await complete()).usage).toEqual({
      inputTokens: 12,
      outputTokens: 7,
      cacheCreationInputTokens: 300,
      cacheReadInputTokens: 1200,
    });

    // Older answers and requests without caching send null.
    fake.respond(() => ({
      text: 'Hello.',
      usage: { input_tokens: 5, output_tokens: 2, cache_creation_input_tokens: null, cache_read_input_tokens: null },
    }));
    expect((await complete()).usage).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
    });
  });
});

describe('Anthropic Llm: prompt caching', () => {
  const WRITER = 'claude-sonnet-5-5';
  const system = 'Rules. '.repeat(400); // ~700 tokens
  const template = 'Dear Dr. {{last_name}}, I read your work on [topic]. '.repeat(60); // ~800 tokens
  const request = (recipient: string, model = WRITER) => ({
    model,
    system,
    messages: [{ role: 'user' as const, content: `${template}Recipient: ${recipient}`, stableChars: template.length }],
    maxTokens: 100,
  });

  it('marks the stable prefix for caching when it reaches the model’s minimum, and the next request reads it', async () => {
    fake.respond(() => ({ text: 'ok' }));
    const first = await llmFor().complete(request('Ada Lovelace'));
    const sent = fake.wireCalls().at(-1)!;
    expect(sent.messages[0]?.content).toEqual([
      { type: 'text', text: template, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Recipient: Ada Lovelace' },
    ]);
    expect(first.usage.cacheCreationInputTokens).toBeGreaterThan(1_024);
    expect(first.usage.cacheReadInputTokens).toBe(0);
    // Another recipient of the same template: the prefix comes from the cache, only the rest is new input.
    const second = await llmFor().complete(request('Charles Babbage'));
    expect(second.usage.cacheReadInputTokens).toBe(first.usage.cacheCreationInputTokens);
    expect(second.usage.cacheCreationInputTokens).toBe(0);
    expect(second.usage.inputTokens).toBeLessThan(20);
  });

  it('sends a prefix too short for the model as plain text, and nothing is cached', async () => {
    fake.respond(() => ({ text: 'ok' }));
    // Haiku caches from 4,096 tokens: this prefix (~1,500) is too short for it.
    const { usage } = await llmFor().complete(request('Ada Lovelace', MODEL));
    expect(fake.wireCalls().at(-1)?.messages[0]?.content).toBe(`${template}Recipient: Ada Lovelace`);
    expect(usage).toMatchObject({ cacheCreationInputTokens: 0, cacheReadInputTokens: 0 });
    expect(usage.inputTokens).toBeGreaterThan(1_400); // counted from the prompt's real length
  });
});

describe('Anthropic Llm: stop reasons', () => {
  it.each(['end_turn', 'stop_sequence'])('takes an answer that stopped with %s as finished', async (stopReason) => {
    fake.respond(() => ({ text: 'Dear Dr. Lovelace,', stopReason }));
    expect((await complete()).text).toBe('Dear Dr. Lovelace,');
    fake.respond(() => ({ json: { colour: 'red', count: 3 }, stopReason }));
    expect((await ask()).value).toEqual({ colour: 'red', count: 3 });
  });

  // What the API sends for each: the cut-off or partial text, or nothing at all.
  const unfinished = [
    [
      'max_tokens',
      '{"colour": "red", "cou',
      PermanentError,
      ErrorCode.AnswerTooLong,
      /^Anthropic's (answer|"answer" answer) was longer than 100 tokens and was cut off \(model "claude-haiku-5-5"\)/,
    ],
    [
      'refusal',
      '',
      PermanentError,
      ErrorCode.ModelDeclined,
      /^The model declined to write the (answer|"answer" answer) \(model "claude-haiku-5-5"\)\. Change the template/,
    ],
    [
      'model_context_window_exceeded',
      '{"colour": "re',
      PermanentError,
      ErrorCode.InputTooLong,
      /^The input is too large for the context window of model "claude-haiku-5-5": it left no room for the (answer|"answer" answer)/,
    ],
    [
      'pause_turn',
      '',
      RetryableError,
      ErrorCode.AnswerIncomplete,
      /^Anthropic paused the (answer|"answer" answer) before it was finished \(stop reason "pause_turn"\)$/,
    ],
    ['tool_use', '', PermanentError, ErrorCode.AnswerIncomplete, /to call a tool, but Scribe offered none/],
    [
      'compaction_needed',
      'Dear',
      PermanentError,
      ErrorCode.AnswerIncomplete,
      /for a reason Scribe does not know \(stop reason "compaction_needed"\)$/,
    ],
  ] as const;

  it.each(unfinished)(
    'turns %s into its own error, in free text and structured answers alike',
    async (stopReason, text, kind, code, message) => {
      for (const call of [complete, ask]) {
        fake.respond(() => ({ text, stopReason }));
        const before = fake.calls().length;
        const err = await failureOf(call());
        expect(err).toBeInstanceOf(kind);
        expect(err).not.toBeInstanceOf(InvalidAnswerError); // never "not valid JSON", never sent back for correction
        expect(err).toMatchObject({ code, service: 'Anthropic' });
        expect((err as Error).message).toMatch(message);
        expect(fake.calls().length - before).toBe(1);
      }
    },
  );
});

describe('Anthropic Llm: failures', () => {
  it('turns 429 into RateLimited carrying Retry-After, preferring retry-after-ms', async () => {
    fake.failNext([RATE_LIMITED]);
    const limited = await failureOf(ask());
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({
      code: ErrorCode.RateLimited,
      status: 429,
      retryAfterMs: 1000,
      service: 'Anthropic',
    });

    fake.failNext([
      anthropicError(429, 'rate_limit_error', 'slow down', { 'retry-after': '2', 'retry-after-ms': '1500' }),
    ]);
    expect(await failureOf(ask())).toMatchObject({ retryAfterMs: 1500 });
  });

  it('turns a reached spend limit (a 429 without retry-after) into a PermanentError that says who must act, tried once', async () => {
    fake.failNext([SPEND_LIMIT_REACHED]);
    const before = fake.requests.length;
    const sleeps: number[] = [];
    // Through the pipeline's own retry policy: a permanent failure is not tried again.
    const err = await failureOf(withRetry(() => complete(), { sleep: async (ms) => void sleeps.push(ms) }));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: ErrorCode.SpendLimitReached, status: 429, service: 'Anthropic' });
    expect((err as Error).message).toMatch(
      /^The organisation's Anthropic spend limit is reached \(429, enforced_spend_limit_reached\): no email can be written until someone raises the limit \(or moves to a higher usage tier\) in the Anthropic Console\. Anthropic said: You have reached your monthly API usage limit/,
    );
    expect((err as Error).message).not.toMatch(/rate limit/i);
    expect(fake.requests.length - before).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('turns the 400 for a spend limit the organisation set itself into the same error', async () => {
    fake.failNext([
      anthropicError(
        400,
        'invalid_request_error',
        'You have reached your specified workspace API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.',
      ),
    ]);
    const err = await failureOf(ask());
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: ErrorCode.SpendLimitReached, status: 400 });
    expect((err as Error).message).toMatch(
      /spend limit is reached .*Anthropic Console\. Anthropic said: You have reached your specified workspace API usage limits\. You will regain access on 2026-12-01/,
    );
  });

  it.each([
    [529, OVERLOADED, 'Anthropic is overloaded (529): Overloaded'],
    [500, anthropicError(500, 'api_error', 'Internal server error'), 'Anthropic answered 500: Internal server error'],
    [503, anthropicError(503, 'api_error', 'Service unavailable'), 'Anthropic answered 503: Service unavailable'],
  ])('turns %i into a retryable ServiceUnavailable, without retrying itself', async (status, trouble, message) => {
    const before = fake.requests.length;
    fake.failNext([trouble]);
    const err = await failureOf(ask());
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: ErrorCode.ServiceUnavailable, status, message });
    expect(fake.requests.length - before).toBe(1);
  });

  it('turns a wrong key into a PermanentError that says what to check', async () => {
    const err = await failureOf(ask(llmFor({ apiKey: 'sk-ant-wrong' })));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: ErrorCode.ServiceRejected, status: 401, service: 'Anthropic' });
    expect((err as Error).message).toBe('Anthropic rejected our credentials (401): check ANTHROPIC_API_KEY');
  });

  it('names the model in 404 and 400 refusals', async () => {
    fake.failNext([anthropicError(404, 'not_found_error', 'model: claude-haiku-5-5')]);
    const missing = await failureOf(ask());
    expect(missing).toBeInstanceOf(PermanentError);
    expect((missing as Error).message).toBe(
      'Anthropic does not know the model "claude-haiku-5-5" (404): check SCRIBE_FAST_MODEL / SCRIBE_WRITER_MODEL',
    );

    fake.failNext([anthropicError(400, 'invalid_request_error', 'output_config.format: not supported')]);
    const refused = await failureOf(ask());
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).message).toBe(
      'Anthropic refused the request for model "claude-haiku-5-5" (400): output_config.format: not supported',
    );
  });

  it('treats a malformed body, a dropped connection and a dead server as retryable', async () => {
    fake.failNext([{ malformed: true }]);
    expect(await failureOf(ask())).toBeInstanceOf(RetryableError);
    fake.failNext([{ drop: true }]);
    expect(await failureOf(ask())).toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: 'Anthropic could not be reached: the connection was closed unexpectedly',
    });
    const dead = await failureOf(ask(llmFor({ baseUrl: await deadUrl() })));
    expect(dead).toBeInstanceOf(RetryableError);
    expect((dead as Error).message).toBe('Anthropic could not be reached: the connection was refused');
  });

  it('gives up on a hanging request at its timeout', async () => {
    fake.failNext([{ hang: true }]);
    const err = await failureOf(ask(llmFor({ timeoutMs: 300 })));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: ErrorCode.Timeout, message: 'Anthropic did not answer within 300 ms' });
  });

  it('stops when the caller aborts', async () => {
    fake.failNext([{ hang: true }]);
    const controller = new AbortController();
    const before = fake.requests.length;
    const pending = failureOf(ask(llmFor(), controller.signal));
    await expect.poll(() => fake.requests.length).toBe(before + 1);
    controller.abort();
    expect(await pending).toMatchObject({ message: 'Anthropic could not be reached: the request was cancelled' });
  });
});
