import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  InvalidAnswerError,
  PermanentError,
  RetryableError,
  ScribeError,
  asScribeError,
} from '../../src/errors.ts';
import {
  INTERNAL_ADDRESS,
  INTERNAL_PATH,
  chatFailureText,
  chatSafeView,
  createChatScrubber,
  isUnexpected,
  unexpectedFailureText,
} from '../../src/thread/chat-text.ts';
import { initialProgress } from '../../src/thread/progress.ts';
import { REDACTED } from '../../src/log.ts';
import { stepError } from '../../src/pipeline/runner.ts';

const SECRET = 'exa-configured-secret-42';
const clean = createChatScrubber([SECRET]);
const GENERATION = '3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b';

describe('createChatScrubber', () => {
  it('removes configured secrets and key shapes, as the log scrubber does', () => {
    const out = clean(
      `Exa rejected the key ${SECRET}; proxy echoed x-api-key: sk-ant-api03-abcdefghijk and Authorization: Bearer abc.def-ghi`,
    );
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('sk-ant-api03-abcdefghijk');
    expect(out).not.toContain('abc.def-ghi');
    expect(out).toContain(REDACTED);
    expect(out).toMatch(/^Exa rejected the key/);
  });

  it('removes a configured secret that was cut short for the thread', () => {
    expect(clean(`could not be read: key=${SECRET.slice(0, 10)}…`)).toBe(`could not be read: key=${REDACTED}…`);
    expect(clean('an ellipsis… on its own stays')).toBe('an ellipsis… on its own stays');
  });

  it('removes header-shaped credentials it was not told about', () => {
    const out = clean('upstream said: {"x-api-key": "0f1e2d3c-unknown-key", "cookie": "session=abcdef123"}');
    expect(out).not.toContain('0f1e2d3c-unknown-key');
    expect(out).not.toContain('session=abcdef123');
  });

  it('replaces URLs to private, loopback and link-local hosts, and internal host names', () => {
    const cases = [
      'http://10.0.0.7:8080/v1/messages',
      'https://192.168.1.20/admin',
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:55432/',
      'http://[::1]:3000/health',
      'http://[fd00::5]/x',
      'http://localhost:9000/',
      'http://exa-proxy.internal:3128/search',
      'http://db/status',
      'file:///etc/passwd',
    ];
    for (const url of cases) {
      const out = clean(`Exa could not be reached (${url}): connection refused`);
      expect(out, url).toBe(`Exa could not be reached (${INTERNAL_ADDRESS}): connection refused`);
    }
  });

  it('replaces bare private addresses, internal host names with ports, and absolute paths', () => {
    expect(clean('connect ECONNREFUSED 10.1.2.3:5432')).toBe(`connect ECONNREFUSED ${INTERNAL_ADDRESS}`);
    expect(clean('connect ECONNREFUSED ::1:443 then fe80::1')).not.toMatch(/::1|fe80/);
    expect(clean('getaddrinfo ENOTFOUND postgres-primary.svc.cluster.local')).toBe(
      `getaddrinfo ENOTFOUND ${INTERNAL_ADDRESS}`,
    );
    expect(clean('talking to localhost:5432')).toBe(`talking to ${INTERNAL_ADDRESS}`);
    expect(clean("ENOENT: no such file or directory, open '/srv/scribe/.data/postgres/pg.conf'")).toBe(
      `ENOENT: no such file or directory, open '${INTERNAL_PATH}'`,
    );
    expect(clean('the browser could not start (/usr/bin/chromium): boom')).toBe(
      `the browser could not start (${INTERNAL_PATH}): boom`,
    );
    expect(clean('at C:\\srv\\scribe\\index.ts')).toBe(`at ${INTERNAL_PATH}`);
  });

  it('keeps public URLs and hosts, and ordinary messages as they were', () => {
    const kept = [
      'Reading the template failed: Anthropic is overloaded (529): Overloaded — failed after 4 tries. Try again later with 🔁 or /scribe.',
      'Reading the template failed: Anthropic rejected our credentials (401): check ANTHROPIC_API_KEY',
      '2 of 5 pages could not be read: uni.example/~ada (HTTP 404); news.example/a/b (timed out after 15 s)',
      'https://api.exa.ai/search answered 503 and/or 8.8.8.8 was slow (try 2/3)',
      'Researching the web failed: Exa is unavailable (503)',
      'Version 1.2.3.4 of the page, at 12:30:45',
    ];
    for (const text of kept) expect(clean(text)).toBe(text);
  });
});

describe('isUnexpected and chatFailureText', () => {
  it('treats anything that is not a ScribeError, and the wrappers around one, as unexpected', () => {
    const plain = new TypeError('Cannot read properties of undefined (reading "map")');
    expect(isUnexpected(plain)).toBe(true);
    expect(isUnexpected('a string')).toBe(true);
    expect(isUnexpected(asScribeError(plain))).toBe(true);
    expect(isUnexpected(stepError('research', plain))).toBe(true);
    expect(chatFailureText(stepError('research', plain), GENERATION, clean)).toBe(unexpectedFailureText(GENERATION));
    expect(unexpectedFailureText(GENERATION)).toBe(
      'Something went wrong on our side (reference 3f2a9c1e); the team has the details in the logs.',
    );
  });

  it('keeps our own errors, scrubbed', () => {
    const ours = [
      new PermanentError(ErrorCode.ServiceRejected, `Exa rejected the key ${SECRET}`),
      new RetryableError(ErrorCode.ServiceUnavailable, 'Exa is unavailable (503)'),
      new InvalidAnswerError('The parser answered badly', { raw: 'x', issues: 'y' }),
      stepError('parse', new PermanentError(ErrorCode.ServiceRejected, 'Anthropic rejected our credentials (401)')),
      stepError('parse', new Error('worker shutting down'), AbortSignal.abort()),
      new PermanentError(ErrorCode.Internal, 'The saved reading of the template is missing; start a new email.'),
      new ScribeError(ErrorCode.Internal, 'no cause: written by us'),
    ];
    for (const err of ours) {
      expect(isUnexpected(err), err.message).toBe(false);
      expect(chatFailureText(err, GENERATION, clean)).toBe(clean(err.message));
    }
    expect(chatFailureText(ours[0], GENERATION, clean)).toBe(`Exa rejected the key ${REDACTED}`);
  });
});

describe('chatSafeView', () => {
  it('scrubs warnings, notes, the retry reason and the error, and leaves the input alone', () => {
    const base = initialProgress('Ada Lovelace', 1);
    const view = {
      ...base,
      status: 'failed' as const,
      steps: {
        ...base.steps,
        research: {
          state: 'done' as const,
          seconds: 1,
          warnings: ['1 of 1 pages could not be read: uni.example/x (connect ECONNREFUSED 10.0.0.9:80)'],
        },
        compose: { state: 'failed' as const, warnings: [], note: `Writing the email failed: key ${SECRET}` },
      },
      retry: { attempt: 2, of: 3, inSeconds: 30, reason: 'http://10.0.0.7/v1 is down' },
      error: `key ${SECRET}`,
    };
    const safe = chatSafeView(view, clean);
    expect(JSON.stringify(safe)).not.toMatch(/10\.0\.0|exa-configured-secret/);
    expect(safe.steps.research.warnings).toEqual([
      `1 of 1 pages could not be read: uni.example/x (connect ECONNREFUSED ${INTERNAL_ADDRESS})`,
    ]);
    expect(safe.steps.compose.note).toBe(`Writing the email failed: key ${REDACTED}`);
    expect(safe.retry?.reason).toBe(`${INTERNAL_ADDRESS} is down`);
    expect(safe.error).toBe(`key ${REDACTED}`);
    expect(safe.recipientName).toBe('Ada Lovelace');
    expect(view.error).toBe(`key ${SECRET}`);
  });
});
