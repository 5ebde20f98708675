/**
 * `npm run bench`: Scribe's speed and memory targets (design.md section 9), as JSON lines on
 * stdout. `npm run bench -- pipeline worker` runs some groups. PostgreSQL: DATABASE_URL, or an
 * embedded one in a temporary directory.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { silentLogger } from '../src/log.ts';
import { benchCancel } from './cancel.ts';
import { benchBox, benchBoxConcurrency } from './box.ts';
import { benchBrowsers } from './browsers.ts';
import { benchBatch } from './batch.ts';
import { benchAckCpu } from './ack-cpu.ts';
import { benchChat } from './chat.ts';
import { benchCost } from './cost.ts';
import { benchIdentity } from './identity.ts';
import { benchObserve } from './observe.ts';
import { benchPipeline } from './pipeline.ts';
import { benchSlowPages } from './slow-pages.ts';
import { benchStream } from './stream.ts';
import { benchWorker, benchWorkerBrowser } from './worker.ts';

const groups: Record<string, (databaseUrl: string) => Promise<void>> = {
  pipeline: () => benchPipeline(),
  worker: benchWorker,
  'worker-browser': benchWorkerBrowser,
  chat: benchChat,
  'ack-cpu': benchAckCpu,
  cancel: benchCancel,
  browsers: () => benchBrowsers(),
  box: () => benchBox(),
  'box-concurrency': () => benchBoxConcurrency(),
  observe: benchObserve,
  batch: benchBatch,
  identity: () => benchIdentity(),
  cost: () => benchCost(),
  'slow-pages': () => benchSlowPages(),
  stream: benchStream,
};

const wanted = process.argv.slice(2);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-bench-'));
await fs.chmod(dir, 0o755);
const server = process.env.DATABASE_URL
  ? undefined
  : await startEmbeddedPostgres({ dataDir: dir, logger: silentLogger(), settings: { max_connections: 300 } });
try {
  const url = process.env.DATABASE_URL ?? server!.url;
  for (const [name, run] of Object.entries(groups)) {
    if (wanted.length && !wanted.includes(name)) continue;
    process.stderr.write(`bench: ${name}\n`);
    await run(url);
  }
} finally {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
