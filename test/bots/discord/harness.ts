/**
 * The Discord bot as `scribe bot` runs it — real discord.js, real Postgres, real pg-boss — against
 * the fake Discord, with waiters on what the handlers report (`onOutcome`) instead of sleeps.
 */
import { startDiscordBot, type DiscordBot } from '../../../src/bots/discord/bot.ts';
import type { HandledEvent } from '../../../src/bots/shared/handled.ts';
import { registerDiscordCommands } from '../../../src/bots/discord/commands.ts';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { createDiscordReporter } from '../../../src/bots/discord/reporter.ts';
import * as generations from '../../../src/db/generations.ts';
import { QUEUES, startQueue, type GenerateJob, type JobQueue } from '../../../src/jobs/queue.ts';
import type { ResultView } from '../../../src/thread/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Metrics } from '../../../src/telemetry/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';

export const TEMPLATE =
  'Dear {name},\n\nI read your work on {topic} and would love to hear more about it.\n\nBest, Sam';
export const DAILY_QUOTA = 30;

export interface Harness {
  fake: FakeDiscord;
  db: TestDatabase;
  queue: JobQueue;
  bot: DiscordBot;
  /** Resolves when the bot has handled the event with this id (interaction id, or `message:user:emoji`). */
  handled(id: string): Promise<HandledEvent>;
  /** The generation whose progress message started this thread / sits in this channel message. */
  generationByProgress(progressMessageId: string): Promise<generations.Generation | undefined>;
  jobsFor(generationId: string): Promise<unknown[]>;
  /** Content of the app's reply to an interaction (its `@original` message). */
  replyTo(interactionId: string): string;
  /** Runs `/scribe` with all three options as `user` and waits for the outcome. */
  draft(options?: {
    user?: FakeDiscord['people']['ada'];
    name?: string;
  }): Promise<{ outcome: string; generation: generations.Generation }>;
  /** As the worker would: posts a result for the generation and records it as succeeded. */
  succeed(generation: generations.Generation, email?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** `guildIds`: the bot's `DISCORD_GUILD_IDS` (default: every guild); `metrics`: its counters (feedback). */
export async function startHarness(
  options: { guildIds?: string[]; metrics?: Pick<Metrics, 'feedback'> } = {},
): Promise<Harness> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 500 });
  const db = await createTestDatabase({ migrated: true });
  const queue = await startQueue({ connectionString: db.url, logger: silentLogger() });
  const rest = createDiscordRest({ token: fake.token, apiUrl: fake.apiUrl });
  await registerDiscordCommands({ rest, applicationId: fake.applicationId, guildId: fake.guildId });

  const seen = new Map<string, HandledEvent>();
  const waiting = new Map<string, (e: HandledEvent) => void>();
  const bot = await startDiscordBot({
    config: { token: fake.token, applicationId: fake.applicationId, apiUrl: fake.apiUrl, guildIds: options.guildIds },
    pool: db.pool,
    boss: queue.boss,
    dailyQuota: DAILY_QUOTA,
    researchCacheTtlMs: 24 * 3600_000,
    logger: silentLogger(),
    metrics: options.metrics,
    onOutcome: (event) => {
      seen.set(event.id, event);
      waiting.get(event.id)?.(event);
    },
  });
  const reporter = createDiscordReporter({ rest, logger: silentLogger() });

  const harness: Harness = {
    fake,
    db,
    queue,
    bot,
    handled: (id) => {
      const done = seen.get(id);
      return done ? Promise.resolve(done) : new Promise((resolve) => waiting.set(id, resolve));
    },
    async generationByProgress(progressMessageId) {
      const { rows } = await db.pool.query<{ id: string }>(
        'SELECT id FROM generations WHERE progress_message_id = $1',
        [progressMessageId],
      );
      return rows[0] ? generations.getGeneration(db.pool, rows[0].id) : undefined;
    },
    jobsFor: (generationId) => queue.boss.findJobs<GenerateJob>(QUEUES.generate, { data: { generationId } }),
    replyTo(interactionId) {
      const id = fake.interactions.get(interactionId)?.originalMessageId;
      return id ? fake.message(id).content : '';
    },
    async draft({ user = fake.people.ada, name = 'Dr. Ada Lovelace' } = {}) {
      const before = fake.channelView(fake.channelId).length;
      const cmd = fake.slashCommand({
        user,
        options: { recipient_name: name, recipient_interest: 'analytical engines', template: TEMPLATE },
      });
      const { outcome } = await harness.handled(cmd.id);
      const progress = fake
        .channelView(fake.channelId)
        .slice(before)
        .find((m) => !m.ephemeral);
      const generation = progress && (await harness.generationByProgress(progress.id));
      if (!generation) throw new Error(`no generation after /scribe (${outcome}): ${harness.replyTo(cmd.id)}`);
      return { outcome, generation };
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
      const address = {
        generationId: generation.id,
        platform: 'discord' as const,
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
      await queue?.stop({ timeoutMs: 5_000 });
      await db?.drop();
      await fake?.close();
    },
  };
  return harness;
}
