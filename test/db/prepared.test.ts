/**
 * The hot statements of a start run as named prepared statements (`NamedQuery`, db/pool.ts):
 * PostgreSQL parses and plans them once per connection, where a statement sent as text is parsed
 * and planned on every run (a start's counts: 1.27 ms of parse and plan to 0.07 of run). pg-boss's
 * insert is named by its text's hash, and only its first few texts are, so that a text carrying a
 * value could never fill a connection with prepared statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Db, type NamedQuery } from '../../src/db/pool.ts';
import { bossDb } from '../../src/jobs/send.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { loadStartContext } from '../../src/requests/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RECIPIENT, TEMPLATE } from '../helpers/services.ts';

let db: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  queue = await startQueue({ connectionString: db.url, logger: silentLogger() });
});

afterAll(async () => {
  await queue?.stop();
  await db?.drop();
});

describe('prepared statements', () => {
  it("a start's checks, its row, its person and its job are prepared once on the connection", async () => {
    // One connection, so what it prepared can be read on it afterwards.
    const pool = createPool({ connectionString: db.url, logger: silentLogger(), max: 1 });
    try {
      const deps = { pool, boss: queue.boss, dailyQuota: 100, dailyBudgetUsd: 5 };
      const user = { platform: 'slack' as const, teamId: 'T1', platformUserId: 'U0PREP' };
      for (let i = 0; i < 3; i++) {
        await loadStartContext(pool, user, 100, undefined, 5);
        await createGeneration(deps, { user, request: { template: TEMPLATE, ...RECIPIENT } });
      }
      const { rows } = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
      const names = rows.map((r) => r.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'scribe_insert_generation',
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
