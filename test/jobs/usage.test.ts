/**
 * Cost per email: every billed Anthropic answer (a corrected one's invalid first answer included)
 * and every Exa search is recorded per step on the row, priced at the table's rates, shown in the
 * Slack and Discord footers, and a regenerate shows only its own calls. The workspace's daily
 * budget and an Anthropic spend limit refuse new generations (test/jobs/spend.test.ts: in the worker too).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderResult as renderDiscord } from '../../src/bots/discord/render.ts';
import { renderResult as renderSlack } from '../../src/bots/slack/render.ts';
import { textDisplays } from '../helpers/discord-v2.ts';
import { getGeneration } from '../../src/db/generations.ts';
import { pausedUntil } from '../../src/db/usage.ts';
import { BudgetExceededError } from '../../src/errors.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { regenerate } from '../../src/requests/commit/versions.ts';
import type { ResultView } from '../../src/thread/reporter.ts';
import { NO_OBSERVABILITY } from '../../src/jobs/usage.ts';
import { processGeneration, type WorkerDeps } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { DEFAULT_PRICES, formatUsd, tokenCost, type PriceTable } from '../../src/pipeline/prices.ts';
import { SPEND_LIMIT_REACHED } from '../fakes/anthropic.ts';
import { openPipelineWorld, type PipelineWorld } from '../helpers/world.ts';
import { createRecordingReporter, postsFor } from '../helpers/recording-reporter.ts';
import { RECIPIENT, TEMPLATE } from '../helpers/services.ts';

const logger = silentLogger();
const MODELS = { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' };
// Rates unlike the defaults, so a figure priced at the wrong table cannot pass.
const PRICES: PriceTable = {
  models: {
    'claude-haiku': { input: 2, output: 7, cacheRead: 0.2, cacheWrite: 2.5 },
    'claude-sonnet': { input: 4, output: 19, cacheRead: 0.4, cacheWrite: 5 },
  },
  exaSearch: 0.02,
  exaLiteSearch: 0.03,
};
const ATTEMPT = { retryCount: 0, retryLimit: 0, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 };

let world: PipelineWorld;
let db: PipelineWorld['db'];
let queue: PipelineWorld['queue'];
let services: PipelineWorld['services'];
let clients: PipelineWorld['clients'];

beforeAll(async () => {
  world = await openPipelineWorld({ logger });
  ({ db, queue, services, clients } = world);
});
beforeEach(() => services.anthropic.respond(() => undefined));
afterAll(() => world?.close());

function deps(): WorkerDeps {
  return {
    pool: db.pool,
    reporter: createRecordingReporter(db.pool),
    logger,
    pipeline: { ...clients, models: MODELS, researchCacheTtlMs: 24 * 3600_000, retry: { attempts: 1 } },
    observability: { ...NO_OBSERVABILITY, prices: PRICES },
  };
}

const enqueueDeps = (extra: { dailyBudgetUsd?: number } = {}) => ({
  pool: db.pool,
  boss: queue.boss,
  dailyQuota: 1_000,
  ...extra,
});
const identity = (teamId: string) => ({ platform: 'slack' as const, teamId, platformUserId: 'U1' });
const enqueue = (teamId: string, extra: { dailyBudgetUsd?: number } = {}) =>
  createGeneration(enqueueDeps(extra), {
    user: identity(teamId),
    request: { template: TEMPLATE, ...RECIPIENT },
    address: { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' },
  });

/** What the fake Anthropic billed since `from` (an index into its answers), at the test's rates. */
function billedSince(from: number): number {
  return services.anthropic
    .answered()
    .slice(from)
    .reduce(
      (usd, { model, usage }) =>
        usd +
        tokenCost(PRICES, model, {
          inputTokens: usage.input_tokens,
          outputTokens: usage.output_tokens,
          cacheReadInputTokens: usage.cache_read_input_tokens ?? 0,
          cacheCreationInputTokens: usage.cache_creation_input_tokens ?? 0,
        })!,
      0,
    );
}

async function postedResult(generationId: string): Promise<ResultView> {
  const post = (await postsFor(db.pool, generationId)).find((p) => p.kind === 'result');
  return post!.body as ResultView;
}

describe('cost per email', () => {
  it('records every billed call per step, the corrected answer’s first one included, and shows the same cost on Slack and Discord', async () => {
    const answersBefore = services.anthropic.answered().length;
    const searchesBefore = services.exa.queries().length;
    // The first reading of the template is not JSON: the corrective retry's first call is billed too.
    services.anthropic.queue('parsed_template', { text: 'not json at all' });
    const generation = await enqueue('T-cost');
    expect((await processGeneration(deps(), generation.id, ATTEMPT)).outcome).toBe('succeeded');

    const row = (await getGeneration(db.pool, generation.id))!;
    const answers = services.anthropic.answered().slice(answersBefore);
    const searches = services.exa.queries().length - searchesBefore;
    expect(row.usage.parse?.llm['claude-haiku-5-5']?.calls).toBe(2);
    const calls = Object.values(row.usage).flatMap((s) => Object.values(s.llm).map((m) => m.calls));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(answers.length);
    const inputTokens = Object.values(row.usage).flatMap((s) => Object.values(s.llm).map((m) => m.inputTokens));
    expect(inputTokens.reduce((a, b) => a + b, 0)).toBe(answers.reduce((n, a) => n + a.usage.input_tokens, 0));
    expect(row.usage.research?.exaSearches).toBe(searches);

    // Exa's searches are priced at what Exa itself said each one cost (the fake says it as Exa does).
    const exaBilled = services.exa
      .answered()
      .slice(searchesBefore)
      .reduce((usd, a) => usd + a.costUsd, 0);
    expect(exaBilled).toBeGreaterThan(0);
    const expected = billedSince(answersBefore) + exaBilled;
    expect(row.costUsd).toBeCloseTo(expected, 6);
    const view = await postedResult(generation.id);
    expect(view.cost?.usd).toBeCloseTo(expected, 10);
    expect(view.cost?.seconds).toBeGreaterThan(0);

    const footer = `≈ ${formatUsd(expected)} · ${view.cost!.seconds.toFixed(1)} s`;
    const slackContexts = renderSlack(view, generation.id).flatMap((m) =>
      m.blocks.filter((b) => b.type === 'context').map((b) => JSON.stringify(b)),
    );
    expect(slackContexts.some((b) => b.includes(footer))).toBe(true);
    const discordTexts = renderDiscord(view, generation.id).flatMap((m) => textDisplays(m));
    expect(discordTexts.some((t) => t.includes(`-# ${footer}`))).toBe(true);
  });

  it('a regenerate records and shows only its own calls: reused steps cost nothing', async () => {
    const parent = await enqueue('T-regen');
    await processGeneration(deps(), parent.id, ATTEMPT);
    const parentRow = (await getGeneration(db.pool, parent.id))!;
    const answersBefore = services.anthropic.answered().length;
    const searchesBefore = services.exa.queries().length;

    const child = await regenerate(
      { ...enqueueDeps(), researchCacheTtlMs: 24 * 3600_000 },
      { generationId: parent.id, byUser: identity('T-regen'), instruction: 'Make it shorter' },
    );
    expect((await processGeneration(deps(), child.id, ATTEMPT)).outcome).toBe('succeeded');
    const row = (await getGeneration(db.pool, child.id))!;
    expect(Object.keys(row.usage)).toEqual(['compose']);
    expect(services.exa.queries().length).toBe(searchesBefore);
    expect(row.costUsd).toBeCloseTo(billedSince(answersBefore), 6);
    expect(row.costUsd).toBeLessThan(parentRow.costUsd);
    expect((await postedResult(child.id)).cost?.usd).toBeCloseTo(billedSince(answersBefore), 10);
  });

  it('refuses new generations once the workspace has spent its daily budget', async () => {
    const first = await enqueue('T-budget', { dailyBudgetUsd: 0.0001 });
    await processGeneration(deps(), first.id, ATTEMPT);
    expect((await getGeneration(db.pool, first.id))!.costUsd).toBeGreaterThan(0.0001);
    await expect(enqueue('T-budget', { dailyBudgetUsd: 0.0001 })).rejects.toThrow(BudgetExceededError);
    await expect(enqueue('T-budget', { dailyBudgetUsd: 0.0001 })).rejects.toThrow(/daily budget \(<\$0\.001\)/);
    // Another workspace's spend is its own; without a budget nothing is refused.
    await expect(enqueue('T-other', { dailyBudgetUsd: 0.0001 })).resolves.toBeDefined();
    await expect(enqueue('T-budget')).resolves.toBeDefined();
  });

  it('an Anthropic spend limit pauses new generations, with the same kind of refusal', async () => {
    const generation = await enqueue('T-limit');
    services.anthropic.failNext([SPEND_LIMIT_REACHED]);
    const result = await processGeneration(deps(), generation.id, ATTEMPT);
    expect(result.outcome).toBe('failed');
    expect(await pausedUntil(db.pool)).toBeInstanceOf(Date);
    await expect(enqueue('T-limit')).rejects.toThrow(/paused: .*spend limit/);
    await db.pool.query('DELETE FROM spend_pauses');
  });
});

it('prices with the default table when no override is given', () => {
  expect(NO_OBSERVABILITY.prices).toBe(DEFAULT_PRICES);
});
