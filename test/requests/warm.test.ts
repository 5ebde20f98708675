/**
 * The request path's warm-up at a bot's start (issue 24, item 3): the pool's connections are open
 * before the first request, the form's read runs once and writes nothing, and it says so in the log.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertUser } from '../../src/db/users.ts';
import { saveTemplate } from '../../src/db/templates.ts';
import { createPool, textOf, type Db } from '../../src/db/pool.ts';
import { createLogger } from '../../src/log.ts';
import { readFormPrefill } from '../../src/requests/info.ts';
import { warmRequests } from '../../src/requests/warm.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

describe('warming the request path', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("opens the pool's connections, runs the form's code, writes nothing and logs requests.warmed", async () => {
    const { lines, logger } = logCapture();
    expect(db.pool.totalCount).toBeLessThan(5); // the migration used one
    let adapterRan = false;
    await warmRequests({ pool: db.pool, logger }, 'slack', () => {
      adapterRan = true;
    });
    expect(db.pool.totalCount).toBe(5);
    expect(db.pool.idleCount).toBe(5);
    expect(adapterRan).toBe(true);
    const warmed = lines.find((l) => l.event === 'requests.warmed');
    expect(warmed).toMatchObject({ platform: 'slack', connections: 5 });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM users');
    expect(rows[0].n).toBe(0);
  });

  it("with a pre-ack pool, opens its connections too and reads the form's prefill there", async () => {
    const { lines, logger } = logCapture();
    const ackPool = createPool({ connectionString: db.url, logger, max: 2, min: 1 });
    try {
      await warmRequests({ pool: db.pool, ackPool, logger }, 'discord');
      expect(ackPool.totalCount).toBe(2);
      expect(lines.find((l) => l.event === 'requests.warmed')).toMatchObject({ platform: 'discord', connections: 7 });
    } finally {
      await ackPool.end();
    }
  });

  it("waits for an adapter step that is asynchronous (Discord's REST warm-up) before saying it is warm", async () => {
    const { lines, logger } = logCapture();
    const order: string[] = [];
    await warmRequests({ pool: db.pool, logger }, 'discord', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('adapter done');
    });
    order.push(lines.some((l) => l.event === 'requests.warmed') ? 'warmed' : 'not logged');
    expect(order).toEqual(['adapter done', 'warmed']);
    expect(lines.filter((l) => l.event === 'requests.warmed')).toHaveLength(1);
    expect(lines.find((l) => l.event === 'requests.warmed')!.ms).toBeGreaterThanOrEqual(20);
  });

  it('a failing adapter step is logged, not thrown', async () => {
    const { lines, logger } = logCapture();
    await warmRequests({ pool: db.pool, logger }, 'discord', () => {
      throw new Error('boom');
    });
    expect(lines.find((l) => l.event === 'requests.warm_failed')).toMatchObject({ platform: 'discord' });
  });

  it("the form's prefill reads the last template and the review choice without writing", async () => {
    const identity = { platform: 'slack' as const, teamId: 'T1', platformUserId: 'U-prefill' };
    expect(await readFormPrefill(db.pool, identity)).toEqual({ template: undefined, review: false, templates: [] });
    const { rows: none } = await db.pool.query('SELECT count(*)::int AS n FROM users WHERE platform_user_id = $1', [
      'U-prefill',
    ]);
    expect(none[0].n).toBe(0);
    const user = await upsertUser(db.pool, identity);
    await db.pool.query('UPDATE users SET review_research = true WHERE id = $1', [user.id]);
    await saveTemplate(db.pool, user.id, 'first');
    await saveTemplate(db.pool, user.id, 'second');
    expect(await readFormPrefill(db.pool, identity)).toEqual({ template: 'second', review: true, templates: [] });
  });

  it('prefills asked for at once share one query and each person gets their own', async () => {
    const people = Array.from({ length: 20 }, (_, i) => ({
      platform: 'discord' as const,
      teamId: 'G1',
      platformUserId: `P${i}`,
    }));
    for (const [i, person] of people.entries()) {
      if (i % 2) continue; // the odd ones were never seen
      const user = await upsertUser(db.pool, person);
      await saveTemplate(db.pool, user.id, `template ${i}`);
    }
    const queries: string[] = [];
    const counting: Db = {
      query: (text, values) => {
        queries.push(textOf(text));
        return typeof text === 'string' ? db.pool.query(text, values as unknown[]) : db.pool.query(text);
      },
    };
    const prefills = await Promise.all(people.map((p) => readFormPrefill(counting, p)));
    expect(prefills.map((p) => p.template)).toEqual(people.map((_, i) => (i % 2 ? undefined : `template ${i}`)));
    expect(queries).toHaveLength(1);
  });
});
