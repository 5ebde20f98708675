import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError, RetryableError } from '../../../src/errors.ts';
import { createExaSearch } from '../../../src/pipeline/clients/exa.ts';
import { startFakeExa, type FakeExa } from '../../fakes/exa.ts';
import { deadUrl } from '../../fakes/http.ts';

let exa: FakeExa;
beforeAll(async () => {
  exa = await startFakeExa();
  exa.results(/Lovelace/, [
    {
      url: 'https://uni.example/ada',
      title: 'Ada Lovelace',
      text: '  Profile text  ',
      author: 'Dept. of Computing',
      publishedDate: '2024-05-01T00:00:00.000Z',
    },
    { url: 'https://js.example/lab', title: 'Lab', text: undefined },
    { url: 'not a url', title: 'Broken', text: 'x' },
  ]);
});
afterAll(() => exa.close());

const search = (overrides: Partial<Parameters<typeof createExaSearch>[0]> = {}) =>
  createExaSearch({ apiKey: exa.apiKey, baseUrl: exa.url, ...overrides });
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Exa WebSearch', () => {
  it('asks for page text and maps results, with text or without, and passes on what Exa billed', async () => {
    const answer = await search().search('Ada Lovelace background', { numResults: 5, textChars: 20_000 });
    expect(answer).toEqual({
      results: [
        {
          url: 'https://uni.example/ada',
          title: 'Ada Lovelace',
          text: 'Profile text',
          author: 'Dept. of Computing',
          publishedDate: '2024-05-01T00:00:00.000Z',
        },
        {
          url: 'https://js.example/lab',
          title: 'Lab',
          text: undefined,
          author: undefined,
          publishedDate: '2025-03-01T00:00:00.000Z',
        },
      ],
      costUsd: 0.007,
    });
    const sent = exa.requests.at(-1)!;
    expect(sent.headers['x-api-key']).toBe(exa.apiKey);
    // No type: Exa's default (auto), as before issue 21.
    expect(sent.json).toEqual({
      query: 'Ada Lovelace background',
      numResults: 5,
      contents: { text: { maxCharacters: 20000 } },
    });
  });

  it('sends the search type and asks for highlights, and maps them', async () => {
    const answer = await search().search('Ada Lovelace profile text', {
      numResults: 5,
      type: 'lite',
      textChars: 6,
      highlightChars: 500,
    });
    expect(exa.requests.at(-1)?.json).toEqual({
      query: 'Ada Lovelace profile text',
      numResults: 5,
      type: 'lite',
      contents: { text: { maxCharacters: 6 }, highlights: { maxCharacters: 500 } },
    });
    expect(answer.costUsd).toBe(0.004);
    expect(answer.results[0]).toMatchObject({ text: 'Prof', highlights: ['Profile text'] });
  });

  it('takes an answer without costDollars, or with a malformed one, as one without a price', async () => {
    exa.failNext([{ status: 200, body: JSON.stringify({ results: [], costDollars: 'free' }) }]);
    expect(await search().search('q', { numResults: 1, textChars: 100 })).toEqual({ results: [], costUsd: undefined });
  });

  it('returns an empty list when nothing matches', async () => {
    expect((await search().search('nobody at all', { numResults: 3, textChars: 20_000 })).results).toEqual([]);
  });

  it('turns a wrong key into a PermanentError naming EXA_API_KEY', async () => {
    const denied = await failureOf(search({ apiKey: 'nope' }).search('q', { numResults: 1, textChars: 20_000 }));
    expect(denied).toBeInstanceOf(PermanentError);
    expect(denied).toMatchObject({
      code: ErrorCode.ServiceRejected,
      status: 401,
      service: 'Exa',
      message: 'Exa rejected our credentials (401): check EXA_API_KEY',
    });
  });

  it('turns 429 into RateLimited with Retry-After, and 5xx into ServiceUnavailable', async () => {
    exa.failNext([
      { status: 429, headers: { 'retry-after': '3' }, body: JSON.stringify({ error: 'Rate limit exceeded' }) },
    ]);
    const limited = await failureOf(search().search('q', { numResults: 1, textChars: 20_000 }));
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({
      code: ErrorCode.RateLimited,
      status: 429,
      retryAfterMs: 3000,
      message: 'Exa is rate limiting us (429): Rate limit exceeded',
    });

    exa.failNext([{ status: 503, body: 'upstream connect error' }]);
    expect(await failureOf(search().search('q', { numResults: 1, textChars: 20_000 }))).toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      status: 503,
      message: 'Exa answered 503: upstream connect error',
    });
  });

  it("keeps Exa's explanation of a 400, in each of its error bodies", async () => {
    const refused = async (body: unknown) => {
      exa.failNext([{ status: 400, body: JSON.stringify(body) }]);
      const err = await failureOf(search().search('', { numResults: 1, textChars: 20_000 }));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: ErrorCode.ServiceRejected, status: 400, service: 'Exa' });
      return (err as Error).message;
    };
    // exa-js's own fixture: the reason is in `message`, `error` only names the status.
    expect(
      await refused({ requestId: 'b3a8f0c2e1d94c6f', error: 'Bad Request', message: 'Invalid query', statusCode: 400 }),
    ).toBe('Exa refused the request (400): Bad Request. Invalid query');
    // Exa's error-codes page: a requestId, the message in `error`, a machine-readable tag.
    expect(
      await refused({
        requestId: 'b3a8f0c2e1d94c6f',
        error: 'Invalid query: query must not be empty',
        tag: 'INVALID_REQUEST_BODY',
      }),
    ).toBe('Exa refused the request (400): Invalid query: query must not be empty');
    // The nested envelope exa-js unwraps (newer endpoints).
    expect(
      await refused({
        requestId: 'b3a8f0c2e1d94c6f',
        error: {
          type: 'INVALID_REQUEST',
          code: 'INVALID_REQUEST_BODY',
          message: 'Invalid query',
          detail: 'query must not be empty',
        },
      }),
    ).toBe('Exa refused the request (400): Invalid query: query must not be empty');
  });

  it('treats a malformed body, a dropped connection and a dead server as retryable', async () => {
    exa.failNext([{ malformed: true }]);
    expect(await failureOf(search().search('q', { numResults: 1, textChars: 20_000 }))).toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: 'Exa could not be reached: the answer was not valid JSON',
    });
    exa.failNext([{ drop: true }]);
    expect(await failureOf(search().search('q', { numResults: 1, textChars: 20_000 }))).toBeInstanceOf(RetryableError);
    const dead = await failureOf(
      search({ baseUrl: await deadUrl() }).search('q', { numResults: 1, textChars: 20_000 }),
    );
    expect(dead).toBeInstanceOf(RetryableError);
    expect((dead as Error).message).toBe('Exa could not be reached: the connection was refused');
  });

  it('gives up at its timeout, and at once when the caller aborts', async () => {
    exa.failNext([{ hang: true }]);
    expect(await failureOf(search({ timeoutMs: 200 }).search('q', { numResults: 1, textChars: 20_000 }))).toMatchObject(
      {
        code: ErrorCode.Timeout,
        message: 'Exa did not answer within 200 ms',
      },
    );

    exa.failNext([{ hang: true }]);
    const controller = new AbortController();
    const before = exa.requests.length;
    const pending = failureOf(search().search('q', { numResults: 1, textChars: 20_000, signal: controller.signal }));
    await expect.poll(() => exa.requests.length).toBe(before + 1);
    controller.abort();
    expect(await pending).toMatchObject({ message: 'Exa request was cancelled' });
  });
});
