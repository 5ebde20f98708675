/**
 * End-to-end setup shared by the `scribe start` tests: the chat fakes, the service fakes, a fresh
 * database and Scribe itself as a child process, started as an operator starts it, with the
 * environment every such test needs; `close()` stops it all in the right order (Scribe first, so
 * it never sees its fakes vanish; the database last).
 */
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.ts';
import { startFakeSlack, type FakeSlack, type SlackDriver } from '../fakes/slack/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { cleanEnv, freePort, spawnScribe, type ScribeProcess } from './scribe-process.ts';
import { RECIPIENT, startServices, TEMPLATE, type Services } from './services.ts';

/** What a test adds to the common environment, and how long Scribe may take to start. */
export interface ScribeServiceOptions {
  /** Extra variables (e.g. WORKER_CONCURRENCY), after the common ones so they can override them. */
  env?: Record<string, string>;
  /** How long to wait for Scribe to start (`scribe.started`; the log helper's default when absent). */
  readyTimeoutMs?: number;
}

/** A running Scribe with every service it talks to faked. */
export interface ScribeService {
  /** Present when started with Slack configured. */
  slack: FakeSlack | undefined;
  /** Present when started with Discord configured. */
  discord: FakeDiscord | undefined;
  services: Services;
  db: TestDatabase;
  scribe: ScribeProcess;
  /** Scribe's public HTTP port (Slack's events URL, /health). */
  port: number;
  /** Stops Scribe (SIGTERM, as an operator's restart does) and starts it again with the same environment; `scribe` is the new process. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface SlackService extends ScribeService {
  slack: FakeSlack;
  /** Delivers to Scribe's Slack events URL over HTTP, signed as Slack signs. */
  driver: SlackDriver;
}

export interface DiscordService extends ScribeService {
  discord: FakeDiscord;
}

/** Starts Scribe with Slack, Discord or both configured against their fakes. */
export async function startScribeService(
  platforms: { slack?: boolean; discord?: boolean },
  options: ScribeServiceOptions = {},
): Promise<ScribeService> {
  const [slack, discord, services, db, port] = await Promise.all([
    platforms.slack ? startFakeSlack() : undefined,
    // A short heartbeat so a gateway drop is noticed within a test's timeouts.
    platforms.discord ? startFakeDiscord({ heartbeatIntervalMs: 1_000 }) : undefined,
    startServices(),
    createTestDatabase(),
    freePort(),
  ]);
  const env = cleanEnv({
    ...services.env,
    DATABASE_URL: db.url,
    PORT: String(port),
    ...(slack && {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
    }),
    ...(discord && {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
    }),
    LOG_LEVEL: 'info',
    ...options.env,
  });
  let scribe = spawnScribe(['start'], env);
  const close = async () => {
    service.scribe.kill('SIGTERM');
    await service.scribe.exited;
    await Promise.all([slack?.close(), discord?.close(), services.close()]);
    await db.drop();
  };
  const restart = async () => {
    service.scribe.kill('SIGTERM');
    await service.scribe.exited;
    scribe = spawnScribe(['start'], env);
    service.scribe = scribe;
    await scribe.waitForEvent({ event: 'scribe.started' }, options.readyTimeoutMs);
  };
  const service: ScribeService = { slack, discord, services, db, scribe, port, restart, close };
  try {
    await scribe.waitForEvent({ event: 'scribe.started' }, options.readyTimeoutMs);
  } catch (error) {
    await close();
    throw error;
  }
  return service;
}

/** Scribe with Slack only (over HTTP), and a driver for its events URL. */
export async function startSlackService(options: ScribeServiceOptions = {}): Promise<SlackService> {
  const service = await startScribeService({ slack: true }, options);
  const slack = service.slack!;
  // The same object (not a copy), so `restart()` replaces the `scribe` the test reads.
  return Object.assign(service, {
    slack,
    driver: slack.httpDriver({ url: `http://127.0.0.1:${service.port}/slack/events` }),
  });
}

/** Scribe with Discord only. */
export async function startDiscordService(options: ScribeServiceOptions = {}): Promise<DiscordService> {
  const service = await startScribeService({ discord: true }, options);
  return Object.assign(service, { discord: service.discord! });
}

/** The form's values for the services' recipient (Ada Lovelace, analytical engines). */
export const ADA_FORM = {
  template: TEMPLATE,
  recipient_name: RECIPIENT.recipientName,
  recipient_interest: RECIPIENT.recipientInterest,
};

/** What Ada does on Slack to ask for an email: /scribe in #general, then the form, submitted. */
export async function submitSlackForm(e2e: SlackService, values: Record<string, string> = ADA_FORM) {
  const command = await e2e.driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  await e2e.slack.until(() => e2e.slack.views('U0ADA')[0], 'the modal');
  await e2e.driver.submitView({ user: 'U0ADA', values });
  return command;
}

/** What Ada does on Discord to ask for an email: /scribe, then the modal, submitted; both handled. */
export async function submitDiscordForm(e2e: DiscordService, values: Record<string, string> = ADA_FORM) {
  const handled = (id: string) => e2e.scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
  const cmd = e2e.discord.slashCommand({ user: e2e.discord.people.ada });
  const modal = await handled(cmd.id);
  const submit = e2e.discord.submitModal(cmd.id, values);
  return { modal, submitted: await handled(submit.id) };
}
