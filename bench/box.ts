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
import { treePssMb } from './memory.ts';
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
    while (services.exa.requests.length === exaBefore) {
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
