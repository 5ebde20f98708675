/**
 * Browsers side by side (issue 14): the same JavaScript page rendered through Scribe's guarded
 * browser pool (every request served by Node) with each candidate build and flag set; peak PSS of
 * the browser's process tree (this bench process excluded) and how many processes it had.
 */
import fs from 'node:fs';
import { silentLogger } from '../src/log.ts';
import { createBrowserPool, MEMORY_ARGS } from '../src/pipeline/clients/browser.ts';
import { createUrlGuard } from '../src/pipeline/clients/ssrf.ts';
import { startFakePages } from '../test/fakes/pages.ts';
import { treePssMb } from './memory.ts';
import { report } from './report.ts';

const FULL = '/usr/bin/chromium';
const SHELL = '/usr/bin/chromium-headless-shell';
const SINGLE = [
  '--single-process',
  '--no-zygote',
  '--in-process-gpu',
  '--disable-webgl',
  '--disable-features=AudioServiceOutOfProcess,IsolateOrigins,site-per-process',
];

const VARIANTS = [
  { name: 'chromium', executable: FULL, args: [] },
  { name: 'chromium+memory_flags', executable: FULL, args: [...MEMORY_ARGS] },
  { name: 'headless_shell', executable: SHELL, args: [] },
  { name: 'headless_shell+memory_flags (chosen)', executable: SHELL, args: [...MEMORY_ARGS] },
  { name: 'headless_shell+single_process', executable: SHELL, args: SINGLE },
] as const;

export async function benchBrowsers(): Promise<void> {
  const pages = await startFakePages();
  const guard = createUrlGuard({ allowHosts: ['127.0.0.1'] });
  try {
    for (const variant of VARIANTS) {
      if (!fs.existsSync(variant.executable)) {
        report({ bench: `browser.pss_mb.${variant.name}`, skipped: `no browser at ${variant.executable}` });
        continue;
      }
      const runs: { mb: number; processes: number }[] = [];
      for (let run = 0; run < 3; run++) {
        const pool = createBrowserPool({
          executablePath: variant.executable,
          logger: silentLogger(),
          extraArgs: variant.args,
          idleCloseMs: 60_000,
        });
        let peak = { mb: 0, processes: 0 };
        let done = false;
        const rendering = pool
          .render(pages.page(`/js-only?run=${run}`), { guard, timeoutMs: 20_000 })
          .finally(() => (done = true));
        const browserTree = () => {
          const pid = pool.pid();
          return pid ? treePssMb(pid) : { mb: 0, processes: 0 };
        };
        while (!done) {
          const now = browserTree();
          if (now.mb > peak.mb) peak = now;
          await new Promise((r) => setTimeout(r, 25));
        }
        const page = await rendering;
        const after = browserTree(); // the context is closed, the browser still up
        if (after.mb > peak.mb) peak = after;
        if (!/Lovelace Lab/.test(page.text)) throw new Error(`${variant.name}: the page did not render`);
        await pool.close();
        runs.push(peak);
      }
      const mbs = runs.map((r) => r.mb);
      report({
        bench: `browser.pss_mb.${variant.name}`,
        executable: variant.executable,
        min: Math.min(...mbs),
        max: Math.max(...mbs),
        processes: Math.max(...runs.map((r) => r.processes)),
        runs: runs.length,
      });
    }
  } finally {
    await pages.close();
  }
}
