/**
 * Cancelling a running generation in whichever worker process holds it, at once.
 *
 * pg-boss aborts a job's signal when a heartbeat finds the job no longer active under this worker,
 * but heartbeats run every `heartbeatSeconds / 2`: far too slow for a Cancel button. So a cancel is
 * also announced with Postgres NOTIFY on `scribe_cancel` (payload: the generation id), and each
 * worker keeps one LISTEN connection that aborts the matching local AbortController.
 *
 * A notification sent while the listener is reconnecting is lost, so NOTIFY is the fast path only:
 * the worker also reads the row's status between steps (the record of a cancel is the row).
 */
import pg from 'pg';
import type { Db } from '../db/pool.ts';
import type { Logger } from '../log.ts';

export const CANCEL_CHANNEL = 'scribe_cancel';

/** Why a watched signal was aborted. */
export class CancelledError extends Error {
  readonly generationId: string;
  constructor(generationId: string) {
    super(`Generation ${generationId} was cancelled`);
    this.name = 'CancelledError';
    this.generationId = generationId;
  }
}

/** A signal that aborts when the generation is cancelled; release it when the work is done. */
export interface CancelWatch {
  signal: AbortSignal;
  release(): void;
}

export interface CancelBus {
  /** Watches one generation (several watches of the same id share one abort). */
  watch(generationId: string): CancelWatch;
  /** Whether the LISTEN connection is up (false while reconnecting). */
  readonly listening: boolean;
  stop(): Promise<void>;
}

export interface CancelBusOptions {
  connectionString: string;
  logger: Logger;
  /** First reconnect delay; doubles up to 10 s. Default 250 ms. */
  reconnectDelayMs?: number;
}

/** Tells every worker that `generationId` is cancelled (commits with `db`'s transaction, if any). */
export async function announceCancel(db: Db, generationId: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, generationId]);
}

/** Connects the LISTEN client and keeps it connected until `stop`. */
export async function startCancelBus(options: CancelBusOptions): Promise<CancelBus> {
  const { logger } = options;
  const firstDelay = options.reconnectDelayMs ?? 250;
  const watched = new Map<string, { controller: AbortController; count: number }>();
  let client: pg.Client | undefined;
  let stopped = false;
  let delay = firstDelay;
  let timer: NodeJS.Timeout | undefined;

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== CANCEL_CHANNEL || !message.payload) return;
    const entry = watched.get(message.payload);
    if (entry && !entry.controller.signal.aborted) {
      logger.info({ generationId: message.payload }, 'cancel received; stopping the generation');
      entry.controller.abort(new CancelledError(message.payload));
    }
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString, application_name: 'scribe-cancel' });
    next.on('notification', onNotification);
    next.on('error', (err) => {
      logger.warn({ err }, 'cancel listener lost its connection; reconnecting');
      reconnect(next);
    });
    next.on('end', () => reconnect(next));
    await next.connect();
    await next.query(`LISTEN ${CANCEL_CHANNEL}`);
    client = next;
    delay = firstDelay;
  };

  const reconnect = (lost: pg.Client) => {
    if (stopped || client !== lost) return;
    client = undefined;
    lost.removeAllListeners('end');
    lost.end().catch(() => undefined);
    schedule();
  };

  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((err: unknown) => {
        logger.warn({ err, retryInMs: delay }, 'cancel listener could not connect');
        delay = Math.min(delay * 2, 10_000);
        schedule();
      });
    }, delay);
    timer.unref();
  };

  await connect();

  return {
    watch(generationId) {
      let entry = watched.get(generationId);
      if (!entry) {
        entry = { controller: new AbortController(), count: 0 };
        watched.set(generationId, entry);
      }
      entry.count += 1;
      const held = entry;
      let released = false;
      return {
        signal: held.controller.signal,
        release() {
          if (released) return;
          released = true;
          held.count -= 1;
          if (held.count === 0 && watched.get(generationId) === held) watched.delete(generationId);
        },
      };
    },
    get listening() {
      return client !== undefined;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
      }
    },
  };
}
