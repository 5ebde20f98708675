/**
 * The Slack bot as `scribe bot` runs it — real Bolt on Scribe's HTTP server (or Socket Mode), real
 * Postgres, real pg-boss — against the fake Slack, with waiters on what the handlers report
 * (`onOutcome`) instead of sleeps.
 */
import { startSlackBot, SLACK_EVENTS_PATH, type SlackBot } from '../../../src/bots/slack/bot.ts';
import { createSlackClient } from '../../../src/bots/slack/client.ts';
import type { HandledEvent } from '../../../src/bots/shared/handled.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import * as generations from '../../../src/db/generations.ts';
import { startHttpServer, type HttpServer } from '../../../src/http/server.ts';
import { QUEUES, startQueue, type GenerateJob, type JobQueue } from '../../../src/jobs/queue.ts';
import type { ResultView, ThreadAddress } from '../../../src/thread/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Metrics } from '../../../src/telemetry/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { startFakeSlack, type FakeSlack, type SlackDriver } from '../../fakes/slack/index.ts';

export const TEMPLATE =
  'Dear {name},\n\nI read your work on {topic} and would love to hear more about it.\n\nBest, Sam';
export const DAILY_QUOTA = 20;
export const RETRY = { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 };
/** A channel the bot is not a member of. */
export const OUTSIDE = 'C0OUTSIDE';

export interface Harness {
  fake: FakeSlack;
  db: TestDatabase;
  queue: JobQueue;
  http: HttpServer | undefined;
  bot: SlackBot;
  slack: SlackDriver;
  /** Resolves with the `n`th outcome (1-based) for this id: a trigger id, view id or event id. */
  handled(id: string, n?: number): Promise<HandledEvent>;
  generationByProgress(progressMessageId: string): Promise<generations.Generation | undefined>;
  children(parentId: string): Promise<generations.Generation[]>;
  jobsFor(generationId: string): Promise<unknown[]>;
  /** `/scribe`, then the modal submitted with a valid request; resolves with the outcome. */
  draft(options?: { user?: string; channel?: string; name?: string }): Promise<{ outcome: string; viewId: string }>;
  /** As the worker would: posts a result for the generation and records it as succeeded. */
  succeed(generation: generations.Generation, email?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** `metrics`: the counters the bot reports to (feedback), as a process serving /metrics has. */
export async function startHarness(
  options: { mode?: 'http' | 'socket'; metrics?: Pick<Metrics, 'feedback'> } = {},
): Promise<Harness> {
  const mode = options.mode ?? 'http';
  const fake = await startFakeSlack({ notInChannel: [OUTSIDE] });
  const db = await createTestDatabase({ migrated: true });
  const queue = await startQueue({ connectionString: db.url, logger: silentLogger() });
  const http =
    mode === 'http' ? await startHttpServer({ port: 0, host: '127.0.0.1', logger: silentLogger() }) : undefined;

  const seen = new Map<string, HandledEvent[]>();
  const waiting = new Set<() => void>();
  const bot = await startSlackBot({
    config: {
      botToken: fake.botToken,
      signingSecret: fake.signingSecret,
      appToken: mode === 'socket' ? fake.appToken : undefined,
      apiUrl: fake.apiUrl,
    },
    pool: db.pool,
    boss: queue.boss,
    dailyQuota: DAILY_QUOTA,
    researchCacheTtlMs: 24 * 3600_000,
    logger: silentLogger(),
    ...(http ? { http } : {}),
    retryConfig: RETRY,
    metrics: options.metrics,
    onOutcome: (event) => {
      seen.set(event.id, [...(seen.get(event.id) ?? []), event]);
      for (const wake of waiting) wake();
    },
  });
  const slack = http
    ? fake.httpDriver({ url: `http://127.0.0.1:${http.port}${SLACK_EVENTS_PATH}` })
    : fake.socketDriver();
  const reporter = createSlackReporter({
    client: createSlackClient(
      { botToken: fake.botToken, apiUrl: fake.apiUrl },
      { logger: silentLogger(), retryConfig: RETRY },
    ),
    logger: silentLogger(),
  });

  const harness: Harness = {
    fake,
    db,
    queue,
    http,
    bot,
    slack,
    handled(id, n = 1) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no outcome #${n} for ${id}; saw ${JSON.stringify(seen.get(id)?.map((e) => e.outcome))}`));
        }, 10_000);
        function check(): void {
          const event = seen.get(id)?.[n - 1];
          if (!event) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(event);
        }
        waiting.add(check);
        check();
      });
    },
    async generationByProgress(progressMessageId) {
      const { rows } = await db.pool.query<{ id: string }>(
        'SELECT id FROM generations WHERE progress_message_id = $1',
        [progressMessageId],
      );
      return rows[0] ? generations.getGeneration(db.pool, rows[0].id) : undefined;
    },
    async children(parentId) {
      const { rows } = await db.pool.query<{ id: string }>(
        'SELECT id FROM generations WHERE parent_id = $1 ORDER BY created_at',
        [parentId],
      );
      return Promise.all(rows.map(async (r) => (await generations.getGeneration(db.pool, r.id))!));
    },
    jobsFor: (generationId) => queue.boss.findJobs<GenerateJob>(QUEUES.generate, { data: { generationId } }),
    async draft({ user = 'U0ADA', channel = 'C0GENERAL', name = 'Dr. Ada Lovelace' } = {}) {
      const command = await slack.slashCommand({ user, channel, text: '' });
      await harness.handled(command.triggerId);
      const submitted = await slack.submitView({
        user,
        values: { template: TEMPLATE, recipient_name: name, recipient_interest: 'analytical engines' },
      });
      const { outcome } = await harness.handled(submitted.viewId);
      return { outcome, viewId: submitted.viewId };
    },
    async succeed(generation, email = `Dear ${generation.recipientName},\n\nHello.`) {
      const view: ResultView = {
        recipientName: generation.recipientName,
        version: generation.version,
        email,
        draft: false,
        problems: [],
        sources: [],
        papers: [],
        notes: [],
      };
      const address: ThreadAddress = {
        generationId: generation.id,
        platform: 'slack',
        teamId: generation.teamId,
        channelId: generation.channelId,
        threadId: generation.threadId,
        progressMessageId: generation.progressMessageId,
      };
      const { messageIds } = await reporter.result(address, view, { existingMessageIds: [], maybePosted: false });
      await generations.saveResultMessages(db.pool, generation.id, messageIds);
      await generations.markSucceeded(db.pool, generation.id, { email: view.email, sources: {} });
      return messageIds;
    },
    async close() {
      await bot?.stop();
      await http?.close();
      await queue?.stop({ timeoutMs: 5_000 });
      await db?.drop();
      await fake?.close();
    },
  };
  return harness;
}
