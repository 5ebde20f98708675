/**
 * `npm run bench`: Scribe's speed and memory targets (design.md section 9), as JSON lines.
 * `npm run bench -- pipeline` runs one group.
 */
import { benchPipeline } from './pipeline.ts';
import { benchWorker } from './worker.ts';

const groups: Record<string, () => Promise<void>> = {
  pipeline: benchPipeline,
  worker: benchWorker,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(groups)) {
  if (wanted.length && !wanted.includes(name)) continue;
  process.stderr.write(`bench: ${name}\n`);
  await run();
}
