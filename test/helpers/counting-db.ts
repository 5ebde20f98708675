/** A `Db` that records the text of every query it passes on: to count what a cache saves. */
import type pg from 'pg';
import type { Db } from '../../src/db/pool.ts';

export function countingDb(db: Db): { db: Db; queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    db: {
      query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]) {
        queries.push(text);
        return db.query<R>(text, values);
      },
    },
  };
}
