import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createScrubber, REDACTED, scrub } from '../src/log.ts';

/** A logger writing into memory, returning the lines as text once flushed. */
function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'debug', secrets, destination });
  return { logger, text: () => lines.join('') };
}

describe('logger redaction', () => {
  it('redacts secret-bearing fields by name, at the top level, nested and in headers', () => {
    const { logger, text } = capture();
    logger.info(
      {
        token: 'discord-bot-token-1',
        apiKey: 'exa-key-2',
        signingSecret: 'slack-signing-3',
        slack: { botToken: 'bot-token-4', appToken: 'app-token-5' },
        request: { headers: { authorization: 'Bearer anthropic-6', 'x-api-key': 'anthropic-7' } },
        config: { anthropic: { apiKey: 'nested-key-8' } },
        harmless: 'still here',
      },
      'calling out',
    );
    const out = text();
    for (const secret of [
      'discord-bot-token-1',
      'exa-key-2',
      'slack-signing-3',
      'bot-token-4',
      'app-token-5',
      'anthropic-6',
      'anthropic-7',
      'nested-key-8',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain(REDACTED);
    expect(out).toContain('still here');
  });

  it('redacts secret fields in errors, arrays and child bindings, and leaves the logged objects as they were', () => {
    const { logger, text } = capture();
    const err = Object.assign(new Error('the call failed'), {
      status: 401,
      request: { headers: { authorization: 'Bearer in-error-1' } },
    });
    const calls = [{ apiKey: 'in-array-2', model: 'fast' }];
    const payload = { err, calls, nested: { deeper: { token: 'two-levels-3' } } };
    logger.child({ platform: 'slack', botToken: 'in-binding-4' }).error(payload, 'call failed');
    const out = text();
    for (const secret of ['in-error-1', 'in-array-2', 'two-levels-3', 'in-binding-4'])
      expect(out).not.toContain(secret);
    const line = JSON.parse(out) as {
      err: { type: string; message: string; stack: string; status: number };
      calls: unknown[];
    };
    // Still an Error to pino's serializer: its type, message and stack are in the line.
    expect(line.err).toMatchObject({ type: 'Error', message: 'the call failed', status: 401 });
    expect(line.err.stack).toContain('the call failed');
    expect(line.calls).toEqual([{ apiKey: REDACTED, model: 'fast' }]);
    expect(line).toMatchObject({ platform: 'slack', botToken: REDACTED });
    // The caller's objects are not changed.
    expect(err.request.headers.authorization).toBe('Bearer in-error-1');
    expect(calls[0]?.apiKey).toBe('in-array-2');
    expect(payload.nested.deeper.token).toBe('two-levels-3');
  });

  it("redacts a grandchild logger's bindings too", () => {
    const { logger, text } = capture();
    logger
      .child({ generationId: 'gen-2' })
      .child({ step: 'compose', exa: { apiKey: 'grandchild-5' } })
      .info('step started');
    const out = text();
    expect(out).not.toContain('grandchild-5');
    expect(JSON.parse(out)).toMatchObject({ generationId: 'gen-2', step: 'compose', exa: { apiKey: REDACTED } });
  });

  it('removes configured secret values wherever they appear, messages and error stacks included', () => {
    const { logger, text } = capture(['my-signing-secret-value', 'exa-secret-key-42']);
    const err = new Error('request failed with key exa-secret-key-42');
    logger.error({ err, detail: 'sig=my-signing-secret-value' }, 'exa-secret-key-42 was rejected');
    const out = text();
    expect(out).not.toContain('my-signing-secret-value');
    expect(out).not.toContain('exa-secret-key-42');
    expect(out.split(REDACTED).length - 1).toBeGreaterThanOrEqual(3);
    expect(out).toContain('was rejected');
  });

  it('removes token-shaped strings it was not told about', () => {
    const { logger, text } = capture();
    logger.warn(
      { url: 'postgres://scribe:hunter2secret@db:5432/scribe' },
      'tokens xoxb-1234-5678-abcdef xapp-1-A0-999 sk-ant-api03-abcdefgh leaked',
    );
    const out = text();
    for (const secret of ['xoxb-1234-5678-abcdef', 'xapp-1-A0-999', 'sk-ant-api03-abcdefgh', 'hunter2secret']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('postgres://scribe:[redacted]@db:5432/scribe');
  });

  it('keeps generation ids on child loggers', () => {
    const { logger, text } = capture();
    logger.child({ generationId: 'gen-1', step: 'parse' }).info('step started');
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(line).toMatchObject({ generationId: 'gen-1', step: 'parse', msg: 'step started' });
  });

  it('removes credentials an upstream echoed back: Bearer tokens, key headers, Discord bot tokens', () => {
    const { logger, text } = capture();
    const discord = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123';
    logger.error(`proxy said: Authorization: Bearer abc.def-ghi123; x-api-key: 0f1e2d3c-unknown; bot ${discord}`);
    const out = text();
    for (const secret of ['abc.def-ghi123', '0f1e2d3c-unknown', discord]) expect(out).not.toContain(secret);
    expect(out).toContain('Bearer [redacted]');
    expect(out).toContain('x-api-key: [redacted]');
  });
});

describe('the scrubber as a pure function', () => {
  it('is the same for logs and any other text, with the secrets prepared once', () => {
    const clean = createScrubber(['short', 'my-long-secret', 'my-long-secret-plus']);
    expect(clean('a my-long-secret-plus and my-long-secret, not short')).toBe(
      `a ${REDACTED} and ${REDACTED}, not short`,
    );
    expect(scrub('key sk-ant-api03-abcdefgh', [])).toBe(`key ${REDACTED}`);
    expect(clean('"token":"[redacted]" stays as it is; maxTokens: 1024 too')).toBe(
      '"token":"[redacted]" stays as it is; maxTokens: 1024 too',
    );
  });
});
