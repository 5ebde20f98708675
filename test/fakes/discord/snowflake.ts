/**
 * Discord snowflakes: 64-bit ids as decimal strings, made of milliseconds since the Discord epoch
 * (2015-01-01), a worker id, a process id and a per-millisecond increment. discord.js reads the
 * timestamp back (`createdTimestamp`, message sorting), so ids must be real snowflakes.
 */

/** Milliseconds of 2015-01-01T00:00:00Z, the zero of Discord's ids. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

let lastMs = 0n;
let increment = 0n;

/** A new snowflake for the given time (default now), strictly increasing within this process. */
export function snowflake(at: number = Date.now()): string {
  let ms = BigInt(at) - DISCORD_EPOCH;
  if (ms < lastMs) ms = lastMs; // never go backwards: ids double as creation order
  if (ms === lastMs) {
    increment = (increment + 1n) & 0xfffn;
    if (increment === 0n) ms += 1n; // 4096 ids in one millisecond: borrow the next one
  } else {
    increment = 0n;
  }
  lastMs = ms;
  const workerId = 1n;
  const processId = BigInt(process.pid & 0x1f);
  return ((ms << 22n) | (workerId << 17n) | (processId << 12n) | increment).toString();
}

/** The creation time (ms since the Unix epoch) encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
