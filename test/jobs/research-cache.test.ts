/**
 * The research cache on real Postgres, through the runner: who shares research with whom, and
 * what happens to a row that is not what we wrote.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createResearchCache } from '../../src/jobs/research-cache.ts';
import type { ResearchCache } from '../../src/pipeline/ports.ts';
import { recipientCacheKey, researchCacheKey, type CacheScope } from '../../src/pipeline/research-cache-key.ts';
import { runPipeline } from '../../src/pipeline/runner.ts';
import { PARSE_ANSWER } from '../../src/pipeline/steps/parse.ts';
import { CachedResearchSchema } from '../../src/pipeline/records.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { INPUT, parseAnswer, testDeps } from '../pipeline/fixtures.ts';

let db: TestDatabase;
let cache: ResearchCache;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  cache = createResearchCache(db.pool);
});
beforeEach(async () => {
  await db.pool.query('DELETE FROM research_cache');
});
afterAll(async () => {
  await db?.drop();
});

const T1: CacheScope = { platform: 'slack', teamId: 'T1', userId: 'user-1' };

/** One run with its own doubles sharing the database cache; `searchTerms` is what the parser says. */
async function run(scope: CacheScope, options: { searchTerms?: string[]; recipientName?: string } = {}) {
  const terms = options.searchTerms;
  const t = testDeps(
    terms ? { llm: { structured: { [PARSE_ANSWER]: () => ({ ...parseAnswer(), searchTerms: terms }) } } } : {},
  );
  const out = await runPipeline(
    { input: { ...INPUT, recipientName: options.recipientName ?? INPUT.recipientName }, steps: {} },
    { ...t.deps, cache },
    { cacheScope: scope },
  );
  return { out, searches: t.search.queries.length, arxiv: t.papers.authors.length };
}

const rows = async () =>
  (await db.pool.query<{ key: string; value: unknown }>('SELECT key, value FROM research_cache')).rows;

describe('the research cache', () => {
  it('is not shared between two workspaces asking about the same recipient', async () => {
    const first = await run(T1);
    expect(first.searches).toBe(2);
    const other = await run({ platform: 'slack', teamId: 'T2', userId: 'user-9' });
    expect(other.searches).toBe(2);
    expect(other.arxiv).toBe(1);
    expect(other.out.steps.research?.reused).toBeUndefined();
    const guild = await run({ platform: 'discord', teamId: 'T1', userId: 'user-1' });
    expect(guild.searches).toBe(2);
    expect(await rows()).toHaveLength(3);
  });

  it('is not shared between runs whose search terms differ', async () => {
    await run(T1, { searchTerms: ['analytical engines'] });
    const steered = await run(T1, { searchTerms: ['analytical engines', 'crypto wallets'] });
    expect(steered.searches).toBe(2);
    expect(steered.out.steps.research?.reused).toBeUndefined();
    expect(await rows()).toHaveLength(2);
  });

  it('is shared within a workspace for the same recipient and terms, in any order and by anyone', async () => {
    await run(T1, { searchTerms: ['analytical engines', 'Bernoulli numbers'] });
    const again = await run(
      { ...T1, userId: 'user-2' },
      { searchTerms: ['bernoulli numbers', 'Analytical Engines'], recipientName: ' ada  LOVELACE ' },
    );
    expect(again.searches).toBe(0);
    expect(again.arxiv).toBe(0);
    expect(again.out.steps.research?.reused).toBe(true);
    expect(again.out.steps.arxiv?.reused).toBe(true);
    expect(await rows()).toHaveLength(1);
  });

  it('treats a row that does not parse as a miss, and replaces it with fresh research', async () => {
    await run(T1);
    const key = researchCacheKey({
      ...INPUT,
      scope: T1,
      templateType: 'RESEARCH',
      searchTerms: parseAnswer().searchTerms,
    });
    expect((await rows()).map((r) => r.key)).toEqual([key]);
    // Valid JSON, but not the shape: a summary that is not text, a source without a number.
    await db.pool.query(
      `UPDATE research_cache SET value = '{"research": {"status": "done", "output": {"summary": 42, "sources": [{"url": "https://evil.example"}]}, "durationMs": 1, "warnings": [], "finishedAt": "x"}}'`,
    );
    expect(await cache.get(key, 60_000)).toBeUndefined();

    const afterCorruption = await run(T1);
    expect(afterCorruption.searches).toBe(2);
    expect(afterCorruption.out.steps.research?.reused).toBeUndefined();
    const [row] = await rows();
    expect(CachedResearchSchema.safeParse(row?.value).success).toBe(true);

    const reused = await run(T1);
    expect(reused.searches).toBe(0);
    expect(reused.out.steps.research?.reused).toBe(true);
  });

  it('treats other corruptions as a miss too: not an object, a wrong status, arXiv papers of the wrong shape', async () => {
    await run(T1);
    const [{ key } = { key: '' }] = await rows();
    for (const value of [
      '"text"',
      '[]',
      '{"research": {"status": "lost"}}',
      '{"arxiv": {"status": "done", "output": {"papers": [{"id": 1}]}, "durationMs": 0, "warnings": [], "finishedAt": "x"}}',
    ]) {
      await db.pool.query('UPDATE research_cache SET value = $2::jsonb WHERE key = $1', [key, value]);
      expect(await cache.get(key, 60_000), value).toBeUndefined();
    }
  });
  it('says whom its research is for, so a run knows before its parse that it may reuse it', async () => {
    const recipient = (scope: CacheScope, name = INPUT.recipientName) =>
      recipientCacheKey({ ...INPUT, recipientName: name, scope });
    expect(await cache.holdsRecipient!(recipient(T1), 60_000)).toBe(false);
    await run(T1, { searchTerms: ['engines'] });
    const [row] = (await db.pool.query<{ recipient_key: string }>('SELECT recipient_key FROM research_cache')).rows;
    expect(row?.recipient_key).toBe(recipient(T1));
    // The same person however typed, in the same workspace; not in another, nor another person.
    expect(await cache.holdsRecipient!(recipient(T1, '  ada   LOVELACE '), 60_000)).toBe(true);
    expect(await cache.holdsRecipient!(recipient({ ...T1, teamId: 'T2' }), 60_000)).toBe(false);
    expect(await cache.holdsRecipient!(recipient(T1, 'Grace Hopper'), 60_000)).toBe(false);
    // Older than the TTL: not reusable.
    await db.pool.query("UPDATE research_cache SET created_at = now() - interval '2 minutes'");
    expect(await cache.holdsRecipient!(recipient(T1), 60_000)).toBe(false);
    // Other search terms miss the cache, but the run searched only after its parse: one search
    // for each query, and the new research stored beside the old.
    await db.pool.query('UPDATE research_cache SET created_at = now()');
    const other = await run(T1, { searchTerms: ['looms'] });
    expect(other.searches).toBe(2);
    expect(other.out.steps.research?.reused).toBeUndefined();
    expect(await rows()).toHaveLength(2);
  });
});
