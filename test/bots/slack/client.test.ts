import { Writable } from 'node:stream';
import { LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { boltLogger } from '../../../src/bots/slack/client.ts';
import { createLogger } from '../../../src/log.ts';

/** A logger at `level` whose lines are collected. */
function collecting(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** An argument that counts how often it is formatted. */
function counted() {
  const counter = { formatted: 0, toString: () => '' };
  counter.toString = () => {
    counter.formatted++;
    return 'body';
  };
  return counter;
}

describe('boltLogger', () => {
  it('formats nothing for a level that is off', () => {
    const { logger, lines } = collecting('info');
    const log = boltLogger(logger);
    const arg = counted();
    log.debug('http request body: %s', arg);
    log.info('rate limited, retrying in %s', arg);
    expect(arg.formatted).toBe(0);
    expect(lines).toEqual([]);
    expect(log.getLevel()).toBe(LogLevel.INFO);
  });

  it("writes the SDKs' printf-style lines at the levels that are on, info as debug", async () => {
    const { logger, lines } = collecting('debug');
    const log = boltLogger(logger, 'bolt');
    log.debug('request %s', counted());
    log.info('reconnecting');
    log.warn('warned %d times', 2);
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.component, l.msg])).toEqual([
      [20, 'bolt', 'request body'],
      [20, 'bolt', 'reconnecting'],
      [40, 'bolt', 'warned 2 times'],
    ]);
    expect(log.getLevel()).toBe(LogLevel.DEBUG);
  });
});

describe('the Web API package', () => {
  it("is the one Bolt uses, so the errors of Bolt's own client are recognised", async () => {
    const bolt = await import('@slack/bolt');
    const webApi = await import('@slack/web-api');
    expect(webApi.WebClient).toBe(bolt.webApi.WebClient);
    expect(webApi.WebAPIPlatformError).toBe(bolt.webApi.WebAPIPlatformError);
  });
});
