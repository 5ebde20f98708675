/**
 * The set-up most in-process tests share: a migrated database of the file's own and a pg-boss
 * queue on it (no worker: a test starts its own), and for the pipeline tests also the fake
 * services, the real pipeline clients on them and the recording reporter's table. `close()` stops
 * it all in the right order: clients and fakes, then the queue, the database last.
 */
import { startQueue, type JobQueue, type StartQueueOptions } from '../../src/jobs/queue.ts';
import { createLogger, silentLogger, type Logger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createRecordingTable } from './recording-reporter.ts';
import { startServices, type Services } from './services.ts';

/** How the queue is started (the connection and logger are the world's). */
export type QueueWorldOptions = Omit<StartQueueOptions, 'connectionString' | 'logger'> & { logger?: Logger };

export interface QueueWorld {
  db: TestDatabase;
  queue: JobQueue;
  close(): Promise<void>;
}

/**
 * The queue's own errors (pg-boss's `error` events: a lost connection, a failed poll) on stderr, so
 * that a test left waiting for a job says why; nothing below warn.
 */
const queueLogger = (): Logger => createLogger({ level: 'warn', fd: 2, name: 'test-queue' });

export async function openQueueWorld(options: QueueWorldOptions = {}): Promise<QueueWorld> {
  const { logger = queueLogger(), ...queueOptions } = options;
  const db = await createTestDatabase({ migrated: true });
  const queue = await startQueue({ connectionString: db.url, logger, ...queueOptions });
  return {
    db,
    queue,
    async close() {
      await queue.stop({ timeoutMs: 5_000 });
      await db.drop();
    },
  };
}

export interface PipelineWorld extends QueueWorld {
  services: Services;
  clients: PipelineClients;
}

export async function openPipelineWorld(options: QueueWorldOptions = {}): Promise<PipelineWorld> {
  const world = await openQueueWorld(options);
  await createRecordingTable(world.db.pool);
  const services = await startServices();
  const clients = createPipelineClients(services.config(), options.logger ?? silentLogger(), { arxivIntervalMs: 0 });
  return {
    ...world,
    services,
    clients,
    async close() {
      await clients.close();
      await services.close();
      await world.close();
    },
  };
}
