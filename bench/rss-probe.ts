/**
 * Preload (`node --expose-gc --import bench/rss-probe.ts src/main.ts worker`) for the observability
 * memory benchmark: on SIGUSR2 it optionally loads prom-client with Scribe's metrics
 * (PROBE_LOAD_PROM=1), collects garbage, and writes the RSS to $PROBE_OUT.
 */
import fs from 'node:fs';

process.on('SIGUSR2', async () => {
  if (process.env.PROBE_LOAD_PROM === '1') {
    const { createPromMetrics } = await import('../src/http/metrics.ts');
    const prom = await createPromMetrics({ db: { query: async () => ({ rows: [] }) } as never });
    await prom.text();
  }
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.writeFileSync(process.env.PROBE_OUT ?? '/dev/null', String(process.memoryUsage().rss));
});
