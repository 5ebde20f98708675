/**
 * What the in-process bench groups share: a database of their own on the bench's PostgreSQL,
 * migrated, with the recording table; pg-boss on it with the test tuning; the fake services.
 */
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { type JobQueue, startQueue } from '../src/jobs/queue.ts';
import { silentLogger } from '../src/log.ts';
import { createRecordingTable } from '../test/helpers/recording-reporter.ts';
import { type Services, startServices } from '../test/helpers/services.ts';
import { TEST_TUNING } from '../test/helpers/tuning.ts';

export interface BenchWorld {
  /** The group's own database. */
  url: string;
  pool: pg.Pool;
  queue: JobQueue;
  services: Services;
  /** Stops the queue and the services, closes the pool and drops the database. */
  close(): Promise<void>;
}

export async function openBenchWorld(adminUrl: string, group: string): Promise<BenchWorld> {
  const logger = silentLogger();
  const dbName = `scribe_bench_${group}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const pool = createPool({ connectionString: url, logger });
  await migrate(pool, logger);
  await createRecordingTable(pool);
  const queue = await startQueue({ connectionString: url, logger, tuning: TEST_TUNING });
  const services = await startServices();
  return {
    url,
    pool,
    queue,
    services,
    async close() {
      await services.close();
      await queue.stop({ timeoutMs: 5_000 });
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}
