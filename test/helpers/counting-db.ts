/** A `Db` that records the text of every query it passes on: to count what a cache saves. */
import type pg from 'pg';
import { textOf, type Db, type NamedQuery } from '../../src/db/pool.ts';

export function countingDb(db: Db): { db: Db; queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    db: {
      query<R extends pg.QueryResultRow>(text: string | NamedQuery, values?: readonly unknown[]) {
        queries.push(textOf(text));
        return db.query<R>(text, values);
      },
    },
  };
}
