import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import { createBatch } from '../../src/requests/commit/batch.ts';
import { lastTemplate } from '../../src/db/templates.ts';
import { InvalidRequestError, QuotaExceededError } from '../../src/errors.ts';
import {
  createGeneration,
  parseGenerationRequest,
  parseIdentityHint,
  parseStartFields,
  parseWho,
  remainingQuota,
} from '../../src/requests/commit/start.ts';
import { QUEUES, type GenerateJob, type JobQueue } from '../../src/jobs/queue.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { createPool, type Db, type NamedQuery } from '../../src/db/pool.ts';
import { bossDb } from '../../src/jobs/send.ts';
import { silentLogger } from '../../src/log.ts';
import { loadStartContext } from '../../src/requests/context.ts';
import { openQueueWorld, type QueueWorld } from '../helpers/world.ts';

const TEMPLATE = 'Dear {{name}},\n\nI read your work on {{topic}} and would love to talk.\n\nBest, Sam';

let world: QueueWorld;
let db: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  world = await openQueueWorld();
  ({ db, queue } = world);
});

afterAll(() => world?.close());

const deps = (dailyQuota = 20) => ({ pool: db.pool, boss: queue.boss, dailyQuota });
const user = (id: string) => ({ platform: 'slack' as const, teamId: 'T1', platformUserId: id, displayName: id });

async function jobsFor(generationId: string) {
  return queue.boss.findJobs<GenerateJob>(QUEUES.generate, { data: { generationId } });
}

/** Requests refused, each with the message said on its field. */
const INVALID: { name: string; request: Record<string, string>; field: string; message: string }[] = [
  {
    name: 'a template under 20 characters',
    request: { template: 'too short', recipientName: 'Ada', recipientInterest: 'x' },
    field: 'template',
    message: 'The template must be at least 20 characters',
  },
  {
    name: 'a template over 20,000 characters',
    request: { template: 'x'.repeat(20_001), recipientName: 'Ada', recipientInterest: 'x' },
    field: 'template',
    message: 'The template must be at most 20,000 characters',
  },
  {
    name: 'a blank name',
    request: { template: TEMPLATE, recipientName: '   ', recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name is required",
  },
  {
    name: 'a name over 200 characters',
    request: { template: TEMPLATE, recipientName: 'n'.repeat(201), recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name must be at most 200 characters",
  },
  {
    name: 'an interest over 500 characters',
    request: { template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'i'.repeat(501) },
    field: 'recipientInterest',
    message: "The recipient's research interest must be at most 500 characters",
  },
  {
    name: 'no interest',
    request: { template: TEMPLATE, recipientName: 'Ada' },
    field: 'recipientInterest',
    message: "The recipient's research interest is required",
  },
  // Invisible-only, letterless and broken text.
  {
    name: 'a name of invisible characters only',
    request: { template: TEMPLATE, recipientName: '\u200B\u200C\u200D\uFEFF', recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name is required",
  },
  {
    name: 'a name of bidi controls and spaces only',
    request: { template: TEMPLATE, recipientName: ' \u202E\u2066 ', recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name is required",
  },
  {
    name: 'a name with no letter (digits and punctuation)',
    request: { template: TEMPLATE, recipientName: '1234 !!', recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name must contain at least one letter",
  },
  {
    name: 'a name with no letter (emoji only)',
    request: { template: TEMPLATE, recipientName: '😀🎉', recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name must contain at least one letter",
  },
  {
    name: 'a lone high surrogate in the name',
    request: { template: TEMPLATE, recipientName: 'Ada \uD800 Lovelace', recipientInterest: 'x' },
    field: 'recipientName',
    message: "The recipient's name contains a broken character (half of an emoji or symbol); please type it again",
  },
  {
    name: 'a lone low surrogate as the interest',
    request: { template: TEMPLATE, recipientName: 'Ada', recipientInterest: '\uDC00' },
    field: 'recipientInterest',
    message:
      "The recipient's research interest contains a broken character (half of an emoji or symbol); please type it again",
  },
  {
    name: 'an interest with no letter',
    request: { template: TEMPLATE, recipientName: 'Ada', recipientInterest: '42 / 7' },
    field: 'recipientInterest',
    message: "The recipient's research interest must contain at least one letter",
  },
  {
    name: 'an interest of invisible characters only',
    request: { template: TEMPLATE, recipientName: 'Ada', recipientInterest: '\u200B\u200B' },
    field: 'recipientInterest',
    message: "The recipient's research interest is required",
  },
  {
    name: 'a lone surrogate at the end of the template',
    request: { template: `${TEMPLATE} \uD83D`, recipientName: 'Ada', recipientInterest: 'x' },
    field: 'template',
    message: 'The template contains a broken character (half of an emoji or symbol); please type it again',
  },
  {
    name: 'a template short once its invisible characters are gone',
    request: { template: `\u200B${'\u200B'.repeat(30)}Hi {{x}}`, recipientName: 'Ada', recipientInterest: 'x' },
    field: 'template',
    message: 'The template must be at least 20 characters',
  },
];

describe('createGeneration', () => {
  it('records the generation as queued and enqueues exactly one job carrying only its id', async () => {
    const generation = await createGeneration(deps(), {
      user: user('U-ok'),
      request: { template: TEMPLATE, recipientName: 'Dr. Ada Lovelace', recipientInterest: 'analytical engines' },
      address: { channelId: 'C1', threadId: '1700000000.000100', progressMessageId: '1700000000.000100' },
    });
    const row = await getGeneration(db.pool, generation.id);
    expect(row).toMatchObject({
      status: 'queued',
      platform: 'slack',
      teamId: 'T1',
      channelId: 'C1',
      recipientName: 'Dr. Ada Lovelace',
      template: TEMPLATE,
      steps: {},
    });
    const jobs = await jobsFor(generation.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data).toEqual({ generationId: generation.id });
    expect(await lastTemplate(db.pool, generation.userId)).toBe(TEMPLATE);
  });

  it.each([
    {
      name: 'control characters and Windows line ends',
      request: {
        template: `Dear Dr. X,\r\nI loved\u0007 your paper.\u0000\r\nBest`,
        recipientName: '  Grace\u200B Hopper\u001b ',
        recipientInterest: 'compilers',
      },
      saved: {
        template: 'Dear Dr. X,\nI loved your paper.\nBest',
        recipientName: 'Grace Hopper',
        recipientInterest: 'compilers',
      },
    },
    {
      name: 'invisible format characters (zero-width, bidi controls, BOM) in every field',
      request: {
        template: `\uFEFFDear Dr. X,\u200B I loved \u2066your\u2069 paper on {{topic}}.\u202C\nBest`,
        recipientName: '\u202Eecalevol adA\u202C',
        recipientInterest: '\u200Eanalytical\u200F \u200Cengines\u200D\u202A\u202B\u202D\u2067\u2068',
      },
      saved: {
        template: 'Dear Dr. X, I loved your paper on {{topic}}.\nBest',
        recipientName: 'ecalevol adA',
        recipientInterest: 'analytical engines',
      },
    },
  ])('cleans before saving: $name', ({ request, saved }) => {
    const parsed = parseGenerationRequest(request);
    expect(parsed).toEqual(saved);
    for (const value of Object.values(parsed))
      expect(value).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/);
  });

  it.each(INVALID)(
    'refuses $name with a message on the field, and creates no job',
    async ({ request, field, message }) => {
      const before = (await queue.boss.getQueue(QUEUES.generate))?.totalCount;
      const err = await createGeneration(deps(), { user: user('U-bad'), request }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect((err as InvalidRequestError).fields).toEqual({ [field]: message });
      const { rows } = await db.pool.query(
        "SELECT count(*)::int AS n FROM generations g JOIN users u ON u.id = g.user_id WHERE u.platform_user_id = 'U-bad'",
      );
      expect(rows[0]).toEqual({ n: 0 });
      expect((await queue.boss.getQueue(QUEUES.generate))?.totalCount).toBe(before);
    },
  );

  it.each(['Ἀριστοτέλης', '李白', 'Nguyễn Thị Minh', 'محمد بن موسى', 'O’Neil-Smith 🎓', 'Dr. A. B.'])(
    'accepts a name in any script, with its marks, or with emoji around a letter: %s',
    (recipientName) => {
      expect(
        parseGenerationRequest({ template: TEMPLATE, recipientName, recipientInterest: 'λ-calculus' }).recipientName,
      ).toBe(recipientName);
    },
  );

  it('reports every bad field at once', () => {
    const err = (() => {
      try {
        return parseGenerationRequest({ template: TEMPLATE, recipientName: '\u200B', recipientInterest: '123' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).fields).toEqual({
      recipientName: "The recipient's name is required",
      recipientInterest: "The recipient's research interest must contain at least one letter",
    });
  });

  it('checks who the person means before anything is written: a wrong ORCID checksum, in words (issue 20)', () => {
    expect(parseIdentityHint({})).toBeUndefined();
    expect(parseIdentityHint({ affiliation: ' MIT ', orcid: 'https://orcid.org/0000-0002-1825-0097' })).toEqual({
      affiliation: 'MIT',
      orcid: '0000-0002-1825-0097',
    });
    expect(() => parseIdentityHint({ orcid: '0000-0002-1825-0096' })).toThrow(InvalidRequestError);
    expect(() => parseIdentityHint({ orcid: '0000-0002-1825-0096' })).toThrow(/ORCID/);
  });

  it('reads the forms\' "Who exactly?" with the request, every field\'s problem at once (issue 20)', () => {
    const request = { template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'engines' };
    expect(parseStartFields({ request, who: 'MIT, 0000-0002-1825-0097' })).toEqual({
      request,
      identityHint: { affiliation: 'MIT', orcid: '0000-0002-1825-0097' },
    });
    expect(parseStartFields({ request, who: '  ' }).identityHint).toBeUndefined();
    const err = (() => {
      try {
        parseStartFields({ request: { ...request, recipientName: '' }, who: 'li_j' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(Object.keys((err as InvalidRequestError).fields)).toEqual(['recipientName', 'identityHint']);
    expect(() => parseWho('0000-0002-1825-0096')).toThrow(/mistyped/);
  });

  it("stores each batch row's hint from the CSV's affiliation and orcid columns (issue 20)", async () => {
    const recipients =
      'name,interest,affiliation,orcid\nJun Li,machine learning,MIT CSAIL,0000-0002-1825-0097\nGrace Hopper,compilers,,\n';
    const { generations } = await createBatch(
      { ...deps(), batchMax: 50 },
      {
        user: user('U-batch-hint'),
        template: TEMPLATE,
        recipients,
        address: { channelId: 'C1', threadId: '1.1', parentMessageId: '1.1' },
      },
    );
    const stored = await Promise.all(generations.map((g) => getGeneration(db.pool, g.id)));
    expect(stored.map((g) => g?.identityHint)).toEqual([
      { affiliation: 'MIT CSAIL', orcid: '0000-0002-1825-0097' },
      null,
    ]);
  });

  it('stops at the daily quota with a clear message, and creates no row or job', async () => {
    const request = { template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'engines' };
    await createGeneration(deps(2), { user: user('U-quota'), request });
    const second = await createGeneration(deps(2), { user: user('U-quota'), request });
    expect(await remainingQuota(db.pool, second.userId, 2)).toBe(0);

    const err = await createGeneration(deps(2), { user: user('U-quota'), request }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect((err as Error).message).toBe(
      'You have used all 2 emails for today. The quota resets at midnight UTC; ask your admin to raise SCRIBE_DAILY_QUOTA if you need more.',
    );
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM generations WHERE user_id = $1', [
      second.userId,
    ]);
    expect(rows[0]).toEqual({ n: 2 });
  });

  it('lets no two concurrent requests take the same last slot', async () => {
    const request = { template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'engines' };
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => createGeneration(deps(3), { user: user('U-race'), request })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof QuotaExceededError)).toHaveLength(3);
  });
});

/**
 * The hot statements of a start run as named prepared statements (`NamedQuery`, db/pool.ts):
 * PostgreSQL parses and plans them once per connection, where a statement sent as text is parsed
 * and planned on every run (a start's counts: 1.27 ms of parse and plan to 0.07 of run). pg-boss's
 * insert is named by its text's hash, and only its first few texts are, so that a text carrying a
 * value could never fill a connection with prepared statements.
 */
describe('prepared statements', () => {
  it("a start's checks, its row, its person and its job are prepared once on the connection", async () => {
    // One connection, so what it prepared can be read on it afterwards.
    const pool = createPool({ connectionString: db.url, logger: silentLogger(), max: 1 });
    try {
      const deps = { pool, boss: queue.boss, dailyQuota: 100, dailyBudgetUsd: 5 };
      const user = { platform: 'slack' as const, teamId: 'T1', platformUserId: 'U0PREP' };
      for (let i = 0; i < 3; i++) {
        await loadStartContext(pool, user, 100, undefined, 5);
        await createGeneration(deps, {
          user,
          request: { template: TEMPLATE, recipientName: 'Ada Lovelace', recipientInterest: 'engines' },
        });
      }
      const { rows } = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
      const names = rows.map((r) => r.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'scribe_insert_generation',
          'scribe_save_template',
          'scribe_today_counts',
          'scribe_upsert_user',
          expect.stringMatching(/^scribe_boss_[0-9a-f]{24}$/),
        ]),
      );
      // Each once: run three times, prepared once.
      expect(names.filter((n) => n.startsWith('scribe_boss_'))).toHaveLength(1);
      expect(new Set(names).size).toBe(names.length);
    } finally {
      await pool.end();
    }
  });

  it("names pg-boss's texts by their hash, and only the first 32", async () => {
    const seen: (string | NamedQuery)[] = [];
    const recording: Db = {
      query: async (text) => {
        seen.push(text);
        return { rows: [], rowCount: 0, command: 'SELECT', oid: 0, fields: [] };
      },
    };
    const boss = bossDb(recording);
    // Texts of their own (the insert's texts may be named already by an earlier test in this file).
    const texts = Array.from({ length: 40 }, (_, i) => `SELECT ${i} AS prepared_test_${i}`);
    for (const text of texts) await boss.executeSql(text, [1]);
    await boss.executeSql(texts[0]!, [2]);
    const namedOnes = seen.filter((q): q is NamedQuery => typeof q !== 'string');
    expect(namedOnes.length).toBeGreaterThan(0);
    expect(namedOnes.length).toBeLessThanOrEqual(32 + 1);
    // The rest went as text, with their values; never a name per call.
    expect(seen.filter((q) => typeof q === 'string')).toHaveLength(41 - namedOnes.length);
    // The same text, the same name, with this call's values.
    const first = namedOnes.filter((q) => q.text === texts[0]);
    expect(first).toHaveLength(2);
    expect(first[0]!.name).toBe(first[1]!.name);
    expect(first.map((q) => q.values)).toEqual([[1], [2]]);
  });
});
