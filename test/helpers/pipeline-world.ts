/**
 * What the in-process worker tests run against: a migrated test database with the recording
 * reporter's table, a pg-boss queue on it, every outside service faked, and the pipeline's clients
 * pointed at the fakes. `close` takes it all down (safe after a failed start).
 */
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import type { Logger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createRecordingTable } from './recording-reporter.ts';
import { startServices, type Services } from './services.ts';

export interface PipelineWorld {
  db: TestDatabase;
  queue: JobQueue;
  services: Services;
  clients: PipelineClients;
  close(): Promise<void>;
}

export async function openPipelineWorld(logger: Logger): Promise<PipelineWorld> {
  const world: Partial<PipelineWorld> = {};
  const close = async () => {
    await world.clients?.close();
    await world.services?.close();
    await world.queue?.stop({ timeoutMs: 5_000 });
    await world.db?.drop();
  };
  try {
    world.db = await createTestDatabase({ migrated: true });
    await createRecordingTable(world.db.pool);
    world.queue = await startQueue({ connectionString: world.db.url, logger });
    world.services = await startServices();
    world.clients = createPipelineClients(world.services.config(), logger, { arxivIntervalMs: 0 });
    return { ...(world as Omit<PipelineWorld, 'close'>), close };
  } catch (err) {
    await close();
    throw err;
  }
}
