import fs from 'node:fs';
import { startFakeSlack } from '../test/fakes/slack/index.ts';
import { createTestDatabase } from '../test/helpers/db-standalone.ts';
import { cleanEnv, freePort, spawnScribe } from '../test/helpers/scribe-process.ts';
import { startDiscordThread } from './discord-thread.ts';
import { startServicesChild } from './services-child.ts';
import { stats } from './report.ts';
const threadCpuMs = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const [slack, discord, services, port] = await Promise.all([startFakeSlack(), startDiscordThread(), startServicesChild(), freePort()]);
const db = await createTestDatabase(process.env.DATABASE_URL!);
const scribe = spawnScribe(['start'], cleanEnv({ ...services.env, DATABASE_URL: db.url, PORT: String(port), SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl, ...discord.env, SCRIBE_DAILY_QUOTA: '100000', WORKER_CONCURRENCY: '4', LOG_LEVEL: 'info', NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS }));
try {
  await scribe.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 60_000);
  const pid = scribe.child.pid!;
  await discord.addMembers(50);
  for (let i = 0; i < 3; i++) { await discord.commands(); await sleep(400); }
  const cpu: number[] = []; const acks: number[] = [];
  for (let i = 0; i < Number(process.env.ROUNDS ?? 20); i++) {
    const from = threadCpuMs(pid);
    const b = await discord.commands(); acks.push(...b.ms);
    await sleep(400);
    cpu.push(threadCpuMs(pid) - from);
  }
  const c = stats(cpu); const a = stats(acks);
  console.log(JSON.stringify({ diag: 'discord.command_cpu', cpu_us_per_request_p50: Math.round(c.p50 * 1000 / 50), cpu_ms_per_burst: c, ack_p50: a.p50, ack_p99: a.p99 }));
} finally {
  scribe.kill('SIGTERM'); await scribe.exited;
  await Promise.all([slack.close(), discord.close(), services.close()]); await db.drop();
}
