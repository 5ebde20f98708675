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

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
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
    // Notifications arrive in order: once the marker's has, gen-c's has been handled too.
    const marker = bus.watch('gen-marker');
    const markerAborted = aborted(marker.signal);
    await announceCancel(db.pool, 'gen-marker');
    await markerAborted;
    expect(first.signal.aborted).toBe(false);
    marker.release();
  });

  it('a cancel announced inside a transaction arrives only when it commits', async () => {
    const watch = bus.watch('gen-tx');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await announceCancel(client, 'gen-tx');
      await new Promise((r) => setTimeout(r, 150));
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
    await until(() => !bus.listening, 'the listener to notice');
    await until(() => bus.listening, 'the listener to reconnect');
    const watch = bus.watch('gen-after');
    const reason = aborted(watch.signal);
    await announceCancel(db.pool, 'gen-after');
    expect(await reason).toBeInstanceOf(CancelledError);
    watch.release();
  });
});
