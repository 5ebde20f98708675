/**
 * `scribe start` as users run it, against the benches' fakes: one environment for the benches that
 * start it with a fake Slack over HTTP (chat, ack-cpu, stream), and the chat benches' whole set-up
 * (the fakes, a database of its own, the Slack timing thread, the service) with its teardown.
 */
import type { FakeSlack } from '../test/fakes/slack/server.ts';
import { startFakeSlack } from '../test/fakes/slack/index.ts';
import { createTestDatabase } from '../test/helpers/db-standalone.ts';
import { cleanEnv, freePort, spawnScribe, type ScribeProcess } from '../test/helpers/scribe-process.ts';
import { startDiscordThread, type DiscordThread } from './discord-thread.ts';
import { startServicesChild, type ServicesChild } from './services-child.ts';
import { startTimedPostThread, type TimedPostThread } from './timed-post-thread.ts';

/**
 * `scribe start`'s environment: the services' URLs, Slack over HTTP on `port` with the fake's
 * token and secret, a database, a quota no bench reaches, info logs; `extra` adds or overrides.
 */
export function scribeStartEnv(options: {
  servicesEnv: Record<string, string>;
  databaseUrl: string;
  port: number;
  slack: Pick<FakeSlack, 'botToken' | 'signingSecret' | 'apiUrl'>;
  extra?: Record<string, string | undefined>;
}): NodeJS.ProcessEnv {
  const { slack } = options;
  return cleanEnv({
    ...options.servicesEnv,
    DATABASE_URL: options.databaseUrl,
    PORT: String(options.port),
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    SCRIBE_DAILY_QUOTA: '100000',
    LOG_LEVEL: 'info',
    ...options.extra,
  });
}

/** The chat benches' box: both chat fakes, the generations' fakes in a child, and `scribe start`. */
export interface ChatBox {
  slack: FakeSlack;
  discord: DiscordThread;
  services: ServicesChild;
  /** Sends Slack's requests and times their answers on a thread of its own. */
  timer: TimedPostThread;
  scribe: ScribeProcess;
  /** Where Slack posts (`/slack/events` on Scribe's port). */
  slackUrl: string;
  /** Scribe's /metrics on its operators' port. */
  metricsUrl: string;
  /** The box's own database (dropped by `close`). */
  databaseUrl: string;
  /** Stops Scribe (SIGTERM; SIGKILL past 30 s), the fakes and the threads, and drops the database. */
  close(): Promise<void>;
}

/** Starts the box with `WORKER_CONCURRENCY=4` and both bots; resolves once Scribe says it is running. */
export async function startChatBox(databaseUrl: string): Promise<ChatBox> {
  const [slack, discord, services, port] = await Promise.all([
    startFakeSlack(),
    startDiscordThread(),
    startServicesChild(),
    freePort(),
  ]);
  const db = await createTestDatabase(databaseUrl);
  const timer = startTimedPostThread();
  const scribe = spawnScribe(
    ['start'],
    scribeStartEnv({
      servicesEnv: services.env,
      databaseUrl: db.url,
      port,
      slack,
      extra: {
        ...discord.env,
        WORKER_CONCURRENCY: '4',
        // A diagnostic run may profile the service (BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=…").
        NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS,
      },
    }),
  );
  const close = async () => {
    scribe.kill('SIGTERM');
    // Its stop waits for work in flight; past 30 s it is killed rather than waited on.
    const killer = setTimeout(() => {
      process.stderr.write('bench: scribe did not stop within 30 s of SIGTERM; killing it\n');
      scribe.kill('SIGKILL');
    }, 30_000);
    await scribe.exited.finally(() => clearTimeout(killer));
    await Promise.all([slack.close(), discord.close(), services.close(), timer.close()]);
    await db.drop();
  };
  try {
    const started = await scribe.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 60_000);
    return {
      slack,
      discord,
      services,
      timer,
      scribe,
      slackUrl: `http://127.0.0.1:${port}/slack/events`,
      metricsUrl: String(started.metrics),
      databaseUrl: db.url,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
