import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceCancel, CancelledError, startCancelBus, type CancelBus } from '../../src/jobs/cancel-bus.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let bus: CancelBus;

beforeAll(async () => {
  db = await createTestDatabase();
  bus = await startCancelBus({ connectionString: db.url, logger: silentLogger(), reconnectDelayMs: 50 });
});

afterAll(async () => {
  await bus?.stop();
  await db?.drop();
});

/** The abort reason, once the signal is aborted (at once when it already is). */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });

/**
 * Returns once every cancel committed so far has reached the bus: notifications arrive in commit
 * order, so a marker's arriving proves the earlier ones were handled.
 */
async function earlierCancelsArrived(marker: string): Promise<void> {
  const watch = bus.watch(marker);
  const reason = aborted(watch.signal);
  await announceCancel(db.pool, marker);
  await reason;
  watch.release();
}

describe('the cancel bus', () => {
  it('aborts the watched generation when a cancel is announced from another connection, and no other', async () => {
    const target = bus.watch('gen-a');
    const other = bus.watch('gen-b');
    const reason = aborted(target.signal);
    await announceCancel(db.pool, 'gen-a');
    expect(await reason).toBeInstanceOf(CancelledError);
    expect(((await reason) as CancelledError).generationId).toBe('gen-a');
    expect(other.signal.aborted).toBe(false);
    target.release();
    other.release();
  });

  it('forgets a released watch: a cancel after the work ended aborts nothing', async () => {
    const first = bus.watch('gen-c');
    first.release();
    await announceCancel(db.pool, 'gen-c');
    await earlierCancelsArrived('gen-marker');
    expect(first.signal.aborted).toBe(false);
  });

  it('a cancel announced inside a transaction arrives only when it commits', async () => {
    const watch = bus.watch('gen-tx');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await announceCancel(client, 'gen-tx');
      // Sent before the marker: had it gone out uncommitted, it would have arrived first.
      await earlierCancelsArrived('gen-tx-marker');
      expect(watch.signal.aborted).toBe(false);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await aborted(watch.signal);
    watch.release();
  });

  it('reconnects after its connection is killed and hears cancels again', async () => {
    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'scribe-cancel' AND datname = current_database()`,
    );
    await expect.poll(() => bus.listening, { timeout: 5_000, message: 'the listener to notice' }).toBe(false);
    await expect.poll(() => bus.listening, { timeout: 5_000, message: 'the listener to reconnect' }).toBe(true);
    const watch = bus.watch('gen-after');
    const reason = aborted(watch.signal);
    await announceCancel(db.pool, 'gen-after');
    expect(await reason).toBeInstanceOf(CancelledError);
    watch.release();
  });
});
