/**
 * Identifiers that look like Slack's: upper-case alphanumeric ids with a type prefix (`C…`, `D…`,
 * `V…`, `Ev…`), message timestamps (`"1732312345.000100"`, seconds and a six-digit counter, unique
 * and increasing — Slack uses the pair channel + ts as a message's address) and trigger ids.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Slack-style id: `prefix` and `length` random upper-case alphanumerics, e.g. `V07QX3M2KAB`. */
export function slackId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

/** A random lower-case hex string of `bytes` bytes. */
export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A trigger id as Slack sends them: `<digits>.<digits>.<hex>`. */
export function triggerId(): string {
  const now = Date.now();
  return `${now}.${1000000000000 + (now % 1000000000000)}.${hex(16)}`;
}

/**
 * Hands out message timestamps: wall-clock seconds with a microsecond part, strictly increasing
 * across the whole fake even when many messages are posted in the same microsecond.
 */
export class TsClock {
  private lastMicros = 0;

  /** The next timestamp, e.g. `"1732312345.000100"`. */
  next(): string {
    const micros = Math.max(this.lastMicros + 1, Date.now() * 1000);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

/** Compares two Slack timestamps numerically (they are not safe to compare as floats or strings). */
export function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}
