/**
 * Workers as separate processes (test/helpers/worker-child.ts) on a migrated test database with
 * the recording reporter's table, a queue in this process to send jobs, and the fake services:
 * the setup of the tests that kill, pause and replace workers (test/jobs/crash.test.ts,
 * reclaim.test.ts).
 */
import path from 'node:path';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { startQueue, type JobQueue, type StartQueueOptions } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createRecordingTable } from './recording-reporter.ts';
import { ROOT, cleanEnv, spawnNode, type ScribeProcess } from './scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from './services.ts';
import { TEST_TUNING } from './tuning.ts';

const CHILD = path.join(ROOT, 'test/helpers/worker-child.ts');

export interface WorkerProcesses {
  db: TestDatabase;
  queue: JobQueue;
  services: Services;
  /** The workers started so far and not yet stopped by `stopWorkers`, oldest first. */
  children: ScribeProcess[];
  /** Starts a worker process (extra env e.g. TEST_CRASH_AT) and waits until it is ready. */
  worker(name: string, extra?: Record<string, string>): Promise<ScribeProcess>;
  /** Records a generation for `userId` and sends its job; answers its id. */
  enqueue(userId: string): Promise<string>;
  /** Kills every worker still running (woken first, if paused) and waits for it to exit. */
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `tuning` overrides TEST_TUNING for the queue and for every worker (heartbeat and backoff are
 * fixed when the queue is made, so it is created here first, with the same settings as the workers).
 */
export async function startWorkerProcesses(tuning?: StartQueueOptions['tuning']): Promise<WorkerProcesses> {
  const db = await createTestDatabase({ migrated: true });
  await createRecordingTable(db.pool);
  const queue = await startQueue({
    connectionString: db.url,
    logger: silentLogger(),
    tuning: { ...TEST_TUNING, ...tuning },
    supervise: false,
  });
  const services = await startServices();
  const children: ScribeProcess[] = [];

  return {
    db,
    queue,
    services,
    children,
    async worker(name, extra = {}) {
      const child = spawnNode(
        [CHILD],
        cleanEnv({
          ...services.env,
          DATABASE_URL: db.url,
          TEST_WORKER_NAME: name,
          ...(tuning && { TEST_TUNING_JSON: JSON.stringify(tuning) }),
          ...extra,
        }),
      );
      children.push(child);
      await child.waitForEvent({ event: 'worker.started' });
      return child;
    },
    async enqueue(userId) {
      const g = await createGeneration(
        { pool: db.pool, boss: queue.boss, dailyQuota: 1_000 },
        {
          user: { platform: 'slack', teamId: 'T1', platformUserId: userId },
          request: { template: TEMPLATE, ...RECIPIENT },
          address: { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' },
        },
      );
      return g.id;
    },
    async stopWorkers() {
      for (const child of children.splice(0)) {
        if (child.child.exitCode === null && child.child.signalCode === null) {
          // A stopped (SIGSTOP) process is woken so it exits now, not when it is next continued.
          child.kill('SIGCONT');
          child.kill('SIGKILL');
        }
        await child.exited;
      }
    },
    async close() {
      await services.close();
      await queue.stop({ timeoutMs: 5_000 });
      await db.drop();
    },
  };
}
