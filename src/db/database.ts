/**
 * Opens Scribe's database: `DATABASE_URL` when set, otherwise the embedded PostgreSQL.
 * Owns the order of shutdown: the pool closes before the embedded server stops.
 */
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { createPool } from './pool.ts';

export interface Database {
  pool: pg.Pool;
  /** Connection URL (pg-boss connects with it too). */
  url: string;
  embedded: EmbeddedPostgres | undefined;
  close(): Promise<void>;
}

/**
 * Connections Scribe's own pool keeps at most. A worker runs one query at a time per job and the
 * bots a few per command; more connections would only be more postgres processes on a small box.
 */
export const POOL_MAX = 5;

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger: Logger): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const url = embedded?.url ?? config.databaseUrl ?? '';
  const pool = createPool({ connectionString: url, logger, max: POOL_MAX });
  let closed = false;
  return {
    pool,
    url,
    embedded,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await embedded?.stop();
    },
  };
}
