/**
 * The whole box (issue 14): `scribe start` as a Pi runs it — embedded PostgreSQL (DATABASE_URL
 * unset, a temporary SCRIBE_DATA_DIR), Slack (faked), the worker and its browser — and
 *   - box.pss_mb: summed PSS of every process (Node, the postmaster and its backends, Chromium),
 *     idle and at the peak of one generation whose page needs JavaScript;
 *   - box.recovery_s: after a SIGKILL of the service during research, the seconds from the
 *     restarted service being up to the generation resuming (its second attempt starting).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack/index.ts';
import { cleanEnv, freePort, spawnScribe, type ScribeProcess } from '../test/helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices } from '../test/helpers/services.ts';
import { machineCpuMs, processCpuMs, treePssMb } from './memory.ts';
import { SEED_MS } from './pipeline.ts';
import { report } from './report.ts';

interface Box {
  dir: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/** The postmaster's pid and port, from its postmaster.pid (pg_ctl daemonises it away from us). */
async function postmaster(dir: string): Promise<{ pid: number; port: number }> {
  const lines = (await fs.readFile(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

async function embeddedClient(dir: string): Promise<pg.Client> {
  const { port } = await postmaster(dir);
  const { password } = JSON.parse(await fs.readFile(path.join(dir, 'postgres-credentials.json'), 'utf8')) as {
    password: string;
  };
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'scribe' });
  await client.connect();
  return client;
}

/** PSS of the service's process tree plus the postmaster's. */
async function boxPss(scribe: ScribeProcess, dir: string) {
  const node = treePssMb(scribe.child.pid!);
  const postgres = treePssMb((await postmaster(dir)).pid);
  return {
    mb: Math.round((node.mb + postgres.mb) * 10) / 10,
    node_and_browser_mb: node.mb,
    postgres_mb: postgres.mb,
    processes: node.processes + postgres.processes,
  };
}

/** CPU seconds so far: the whole machine's (all cores), one process's own, this process's. */
function cpuNow(pid: number) {
  const bench = process.cpuUsage();
  return { machine: machineCpuMs() / 1000, scribe: processCpuMs(pid) / 1000, bench: (bench.user + bench.system) / 1e6 };
}

async function start(box: Box): Promise<ScribeProcess> {
  const scribe = spawnScribe(['start'], box.env);
  await scribe.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 120_000);
  return scribe;
}

async function submit(
  slack: FakeSlack,
  box: Box,
  user: string,
  recipientName = RECIPIENT.recipientName,
): Promise<void> {
  const driver = slack.httpDriver({ url: `http://127.0.0.1:${box.port}/slack/events` });
  await driver.slashCommand({ user, channel: 'C0GENERAL', text: '' });
  await slack.until(() => slack.views(user)[0], 'the modal');
  await driver.submitView({
    user,
    values: { template: TEMPLATE, recipient_name: recipientName, recipient_interest: RECIPIENT.recipientInterest },
  });
}

/** Every generation's status, once all `count` exist and have ended; undefined before. */
async function allEnded(client: pg.Client, count: number) {
  const { rows } = await client.query<{ status: string }>('SELECT status FROM generations');
  if (rows.length < count) return undefined;
  return rows.every((r) => r.status === 'succeeded' || r.status === 'failed') ? rows : undefined;
}

async function latestGeneration(client: pg.Client) {
  const { rows } = await client.query<{ id: string; status: string; attempts: number }>(
    'SELECT id, status, attempts FROM generations ORDER BY created_at DESC LIMIT 1',
  );
  return rows[0];
}

export async function benchBox(): Promise<void> {
  const [slack, services, port] = await Promise.all([startFakeSlack(), startServices(), freePort()]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-box-'));
  await fs.chmod(dir, 0o755); // as root, the postgres user must be able to enter it
  const chromium = process.env.CHROMIUM_PATH;
  const box: Box = {
    dir,
    port,
    env: cleanEnv({
      ...services.env,
      SCRIBE_DATA_DIR: dir,
      PORT: String(port),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      CHROMIUM_PATH: chromium,
      LOG_LEVEL: 'info',
    }),
  };
  let scribe: ScribeProcess | undefined;
  let client: pg.Client | undefined;
  try {
    scribe = await start(box);
    client = await embeddedClient(dir);
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = await boxPss(scribe, dir);

    // One generation whose only web page needs JavaScript: the browser is launched for it.
    services.exa.defaults = [{ url: services.pages.page('/js-only'), title: 'Lab page', text: undefined }];
    await submit(slack, box, 'U0BOX');
    let peak = { mb: 0, node_and_browser_mb: 0, postgres_mb: 0, processes: 0 };
    const submitted = performance.now();
    for (;;) {
      if (performance.now() - submitted > 120_000) throw new Error('the generation did not finish within 2 minutes');
      const now = await boxPss(scribe, dir);
      if (now.mb > peak.mb) peak = now;
      const g = await latestGeneration(client);
      if (g && (g.status === 'succeeded' || g.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const g = (await latestGeneration(client))!;
    const browserLaunched = scribe.logs.some((l) => l.msg === 'browser launched');
    report({
      bench: 'box.pss_mb',
      browser: chromium ?? 'default',
      idle_mb: idle.mb,
      idle_processes: idle.processes,
      idle_postgres_mb: idle.postgres_mb,
      peak_mb: peak.mb,
      peak_postgres_mb: peak.postgres_mb,
      peak_node_and_browser_mb: peak.node_and_browser_mb,
      peak_processes: peak.processes,
      generation: g.status,
      browser_launched: browserLaunched,
      target: 'idle < 200 MB, peak < 600 MB',
      met: idle.mb < 200 && peak.mb > 0 && peak.mb < 600 && browserLaunched,
    });

    // Recovery: killed outright during research (the embedded PostgreSQL survives, as on a Pi when
    // only Node dies), started again, timed from "running" to the generation's second attempt.
    services.exa.defaults = [
      { url: 'https://uni.example/~ada', title: 'Ada Lovelace', text: 'Ada Lovelace works on analytical engines.' },
    ];
    services.exa.latencyMs = 5_000;
    const exaBefore = services.exa.requests.length;
    await submit(slack, box, 'U0CRASH', 'Grace Hopper'); // another recipient: no cached research
    const asked = performance.now();
    // In research: Exa asked and the parse saved (the background search starts with the generation).
    const inResearch = async () =>
      services.exa.requests.length > exaBefore &&
      (
        await client!.query<{ parsed: boolean }>(
          "SELECT steps ? 'parse' AS parsed FROM generations ORDER BY created_at DESC LIMIT 1",
        )
      ).rows[0]?.parsed === true;
    while (!(await inResearch())) {
      if (performance.now() - asked > 60_000) throw new Error('the generation never reached research');
      await new Promise((r) => setTimeout(r, 50));
    }
    const crashed = (await latestGeneration(client))!;
    scribe.kill('SIGKILL');
    await scribe.exited;
    await client.end().catch(() => undefined);
    client = undefined;
    services.exa.latencyMs = 0;
    const killedAt = performance.now();
    scribe = await start(box);
    const upAt = performance.now();
    client = await embeddedClient(dir);
    for (;;) {
      const row = (
        await client.query<{ attempts: number }>('SELECT attempts FROM generations WHERE id = $1', [crashed.id])
      ).rows[0];
      if (row && row.attempts >= 2) break;
      if (performance.now() - upAt > 180_000) throw new Error('the generation did not resume within 3 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const resumedAt = performance.now();
    for (;;) {
      const row = (await client.query<{ status: string }>('SELECT status FROM generations WHERE id = $1', [crashed.id]))
        .rows[0];
      if (row?.status === 'succeeded' || row?.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (ms: number) => Math.round(ms / 100) / 10;
    report({
      bench: 'box.recovery_s',
      restart_s: seconds(upAt - killedAt),
      up_to_resumed_s: seconds(resumedAt - upAt),
      kill_to_resumed_s: seconds(resumedAt - killedAt),
      status: (await latestGeneration(client))?.status,
      target: 'up → resumed < 20 s',
      met: resumedAt - upAt < 20_000,
    });
  } finally {
    await client?.end().catch(() => undefined);
    if (scribe && scribe.child.exitCode === null && scribe.child.signalCode === null) {
      scribe.kill('SIGTERM');
      await scribe.exited;
    }
    // A killed service's PostgreSQL would outlive us: stop whatever still runs in the directory.
    await postmaster(dir)
      .then(({ pid }) => process.kill(pid, 'SIGTERM'))
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([slack.close(), services.close()]);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Recipients of one wave: distinct names, so no generation reads another's cached research. */
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Mary Somerville', 'Emmy Noether', 'Sofia Kovalevskaya'];

/**
 * The whole box at `WORKER_CONCURRENCY=4` (issue 24, item 1): `scribe start` with embedded
 * PostgreSQL and the browser, the seed latencies, and 8 generations submitted at once, each
 * needing a JavaScript page (so every one renders in the shared browser). `BENCH_BOX_CONCURRENCY=8`
 * measures another concurrency (twice as many emails, lines named after it):
 *   - box.concurrency_4: summed PSS at the peak, emails per minute from the first submission to
 *     the last email, processes at the peak; the requests the fake arXiv received in that time
 *     and the median gap between their starts (arXiv's lane: 3 s start to start, searches shared);
 *   - box.concurrency_4_hostile: as many generations at once (4) whose results are the hostile pages
 *     (popup, navigation and refresh loops, a throwing script, a huge page, a gzip bomb): the peak
 *     must stay inside the same bound.
 */
export async function benchBoxConcurrency(concurrency = Number(process.env.BENCH_BOX_CONCURRENCY ?? 4)): Promise<void> {
  const [slack, services, port] = await Promise.all([startFakeSlack(), startServices(), freePort()]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-box4-'));
  await fs.chmod(dir, 0o755);
  const chromium = process.env.CHROMIUM_PATH;
  const box: Box = {
    dir,
    port,
    env: cleanEnv({
      ...services.env,
      SCRIBE_DATA_DIR: dir,
      PORT: String(port),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      CHROMIUM_PATH: chromium,
      WORKER_CONCURRENCY: String(concurrency),
      // Unset: the service's default; set, it is passed on (issue 24: pages at once, compared).
      BROWSER_PAGES: process.env.BROWSER_PAGES,
      SCRIBE_DAILY_QUOTA: '1000',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    }),
  };
  services.anthropic.latencyFor.parsed_template = SEED_MS.parse;
  services.anthropic.latencyFor.email = SEED_MS.compose;
  services.exa.latencyMs = SEED_MS.research;
  services.arxiv.latencyMs = SEED_MS.arxiv;
  let scribe: ScribeProcess | undefined;
  let client: pg.Client | undefined;
  /** Submits `count` generations at once and samples the box until all have ended. */
  const wave = async (count: number, offset: number) => {
    const before = Number((await client!.query('SELECT count(*) FROM generations')).rows[0].count);
    let peak = { mb: 0, node_and_browser_mb: 0, postgres_mb: 0, processes: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = await boxPss(scribe!, dir).catch(() => undefined); // a service that died: said below
        if (now && now.mb > peak.mb) peak = now;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const started = performance.now();
    const startedAt = Date.now();
    const cpuFrom = cpuNow(scribe!.child.pid!);
    let submittedS = 0;
    const arxivFrom = services.arxiv.requests.length;
    try {
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          submit(slack, box, `U0BOX${offset + i}`, `${NAMES[(offset + i) % NAMES.length]} ${offset + i}`),
        ),
      );
      submittedS = (performance.now() - started) / 1000;
      let rows: { status: string }[] | undefined;
      for (;;) {
        if (performance.now() - started > 300_000) throw new Error('the generations did not finish within 5 minutes');
        rows = await allEnded(client!, before + count);
        if (rows) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      sampling = false;
      await sampler;
    }
    const minutes = (performance.now() - started) / 60_000;
    const cpuTo = cpuNow(scribe!.child.pid!);
    const round1 = (x: number) => Math.round(x * 10) / 10;
    // Where the machine's CPU went during the wave: Scribe's Node process itself, this bench
    // process (the fake Slack and every fake service, which are remote on a real box), and the
    // rest (Chromium, PostgreSQL, the OS), against what the cores could give in that time.
    const cpu = {
      machine: round1(cpuTo.machine - cpuFrom.machine),
      available: round1(minutes * 60 * os.cpus().length),
      scribe_node: round1(cpuTo.scribe - cpuFrom.scribe),
      bench_and_fakes: round1(cpuTo.bench - cpuFrom.bench),
    };
    const { rows: last } = await client!.query<{
      status: string;
      wait_s: number;
      run_s: number;
      started_ms: number;
      steps: Record<string, { durationMs?: number }>;
    }>(
      `SELECT status, extract(epoch FROM started_at - created_at)::float8 AS wait_s,
              extract(epoch FROM started_at)::float8 * 1000 - ${startedAt} AS started_ms,
              extract(epoch FROM finished_at - started_at)::float8 AS run_s, steps
         FROM generations ORDER BY created_at DESC LIMIT $1`,
      [count],
    );
    const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]! * 10) / 10;
    // What the fake arXiv received during the wave, and the gaps between the starts of its requests.
    const arxivAt = services.arxiv.requests
      .slice(arxivFrom)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    const gaps = arxivAt.slice(1).map((at, i) => (at - arxivAt[i]!) / 1000);
    if (process.env.BENCH_BOX_TIMELINE) {
      // Diagnostic: each generation's steps, start–end in seconds from the first submission.
      const at = (ms: number) => round1((ms - startedAt) / 1000);
      for (const r of [...last].sort((a, b) => Number(a.started_ms) - Number(b.started_ms))) {
        const steps = Object.entries(r.steps as Record<string, { durationMs?: number; finishedAt?: string }>)
          .filter(([, s]) => s.finishedAt !== undefined && s.durationMs !== undefined)
          .map(([k, s]) => {
            const end = Date.parse(s.finishedAt!);
            return `${k} ${at(end - s.durationMs!)}–${at(end)}`;
          });
        console.error(
          `timeline: started ${round1(Number(r.started_ms) / 1000)} ran ${round1(r.run_s)}: ${steps.join(', ')}`,
        );
      }
      console.error(`timeline: arxiv requests at ${arxivAt.map(at).join(', ')}`);
      if (process.env.BENCH_BOX_TIMELINE === 'logs')
        for (const l of scribe!.logs.filter((l) => Number(l.time) >= startedAt))
          console.error(
            `log ${at(Number(l.time))} ${String(l.generationId ?? '').slice(0, 6)} ${l.msg} ${l.url ?? ''} ${l.step ?? ''}`,
          );
    }
    return {
      arxiv_requests: arxivAt.length,
      arxiv_median_gap_s:
        gaps.length === 0 ? null : Math.round(gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]! * 100) / 100,
      peak,
      minutes,
      succeeded: last.filter((r) => r.status === 'succeeded').length,
      cpu,
      // Where the time went: queued (created → started) and running (started → finished), medians.
      wait_s: median(last.map((r) => r.wait_s)),
      run_s: median(last.map((r) => r.run_s)),
      // From the first submission: all submitted (the slash commands and forms), the first run started.
      submitted_s: Math.round(submittedS * 10) / 10,
      first_started_s: Math.round(Math.min(...last.map((r) => Number(r.started_ms))) / 100) / 10,
      // Each step's median duration (its saved record), to tell which one the run waits on.
      steps_s: Object.fromEntries(
        ['parse', 'identity', 'research', 'arxiv', 'compose'].flatMap((step) => {
          const ds = last.flatMap((r) =>
            r.steps[step]?.durationMs === undefined ? [] : [r.steps[step]!.durationMs! / 1000],
          );
          return ds.length === 0 ? [] : [[step, median(ds)]];
        }),
      ),
    };
  };
  try {
    scribe = await start(box);
    client = await embeddedClient(dir);
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = await boxPss(scribe, dir);

    services.exa.defaults = [{ url: services.pages.page('/js-only'), title: 'Lab page', text: undefined }];
    const emails = 2 * concurrency;
    const w = await wave(emails, 0);
    const renders = scribe.logs.filter((l) => l.msg === 'browser launched').length;
    report({
      bench: `box.concurrency_${concurrency}`,
      peak_mb: w.peak.mb,
      emails_per_minute: Math.round((emails / w.minutes) * 10) / 10,
      processes_at_peak: w.peak.processes,
      peak_postgres_mb: w.peak.postgres_mb,
      peak_node_and_browser_mb: w.peak.node_and_browser_mb,
      idle_mb: idle.mb,
      emails,
      succeeded: w.succeeded,
      seconds: Math.round(w.minutes * 600) / 10,
      median_queued_s: w.wait_s,
      median_run_s: w.run_s,
      median_step_s: w.steps_s,
      submitted_s: w.submitted_s,
      first_started_s: w.first_started_s,
      cpu_s: w.cpu,
      arxiv_requests: w.arxiv_requests,
      arxiv_median_gap_s: w.arxiv_median_gap_s,
      critical_path_s: (SEED_MS.parse + Math.max(SEED_MS.research, SEED_MS.arxiv) + SEED_MS.compose) / 1000,
      browser_launches: renders,
      browser_pages: process.env.BROWSER_PAGES ?? 'default',
      browser: chromium ?? 'default',
      target: 'peak < 650 MB, ≥ 22 emails/min',
      met: concurrency === 4 ? w.peak.mb > 0 && w.peak.mb < 650 && emails / w.minutes >= 22 : undefined,
    });

    services.exa.defaults = ['/popup', '/nav-loop', '/refresh-loop', '/js-only?throw', '/huge', '/bomb'].map((p) => ({
      url: services.pages.page(p),
      title: `Hostile ${p}`,
      text: undefined,
    }));
    const h = await wave(concurrency, emails);
    report({
      bench: `box.concurrency_${concurrency}_hostile`,
      peak_mb: h.peak.mb,
      processes_at_peak: h.peak.processes,
      peak_node_and_browser_mb: h.peak.node_and_browser_mb,
      succeeded: h.succeeded,
      seconds: Math.round(h.minutes * 600) / 10,
      browser_pages: process.env.BROWSER_PAGES ?? 'default',
      target: 'peak < 650 MB (at 4)',
      met: concurrency === 4 ? h.peak.mb > 0 && h.peak.mb < 650 : undefined,
    });
  } finally {
    await client?.end().catch(() => undefined);
    if (scribe && scribe.child.exitCode === null && scribe.child.signalCode === null) {
      scribe.kill('SIGTERM');
      await scribe.exited;
    }
    await postmaster(dir)
      .then(({ pid }) => process.kill(pid, 'SIGTERM'))
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([slack.close(), services.close()]);
    await fs.rm(dir, { recursive: true, force: true });
  }
}
