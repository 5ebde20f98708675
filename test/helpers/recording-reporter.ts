/**
 * A `ThreadReporter` for tests that behaves like a chat platform: every post gets a message id
 * and is stored — in the test database, so worker child processes and the test see the same
 * "channel" and a post survives the process that made it (crash tests). It can look for its own
 * earlier post by generation id, as the Slack and Discord adapters do.
 */
import crypto from 'node:crypto';
import type { Db } from '../../src/db/pool.ts';
import { CHAT_TRY_AGAIN, failureText } from '../../src/bots/text.ts';
import type {
  FailureReport,
  ProgressView,
  ResultView,
  ThreadAddress,
  ThreadReporter,
} from '../../src/thread/reporter.ts';

export interface RecordedPost {
  id: string;
  generationId: string;
  kind: 'progress' | 'result' | 'failed';
  body: unknown;
  edits: number;
}

export async function createRecordingTable(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS test_thread_posts (
    id text PRIMARY KEY,
    generation_id uuid NOT NULL,
    kind text NOT NULL,
    body jsonb NOT NULL,
    edits integer NOT NULL DEFAULT 0,
    seq bigserial)`);
}

export interface RecordingReporterOptions {
  /** Called after a result was posted and before `result()` returns (crash injection). */
  afterResultPosted?: (generationId: string) => void;
}

export function createRecordingReporter(db: Db, options: RecordingReporterOptions = {}): ThreadReporter {
  return {
    async progress(address: ThreadAddress, view: ProgressView) {
      const id = `progress-${address.generationId}`;
      await db.query(
        `INSERT INTO test_thread_posts (id, generation_id, kind, body) VALUES ($1, $2, 'progress', $3)
         ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, edits = test_thread_posts.edits + 1`,
        [id, address.generationId, JSON.stringify(view)],
      );
    },
    async result(address: ThreadAddress, view: ResultView, { existingMessageIds, maybePosted }) {
      if (existingMessageIds.length > 0) {
        for (const id of existingMessageIds) {
          await db.query('UPDATE test_thread_posts SET body = $2, edits = edits + 1 WHERE id = $1', [
            id,
            JSON.stringify(view),
          ]);
        }
        return { messageIds: [...existingMessageIds] };
      }
      if (maybePosted) {
        const { rows } = await db.query<{ id: string }>(
          "SELECT id FROM test_thread_posts WHERE generation_id = $1 AND kind = 'result' ORDER BY seq",
          [address.generationId],
        );
        if (rows.length > 0) return { messageIds: rows.map((r) => r.id) };
      }
      const id = `result-${crypto.randomUUID()}`;
      await db.query("INSERT INTO test_thread_posts (id, generation_id, kind, body) VALUES ($1, $2, 'result', $3)", [
        id,
        address.generationId,
        JSON.stringify(view),
      ]);
      options.afterResultPosted?.(address.generationId);
      return { messageIds: [id] };
    },
    async failed(address: ThreadAddress, failure: FailureReport) {
      // Worded as the chat adapters word it; the structured report is kept beside it.
      const message = failureText(failure, CHAT_TRY_AGAIN);
      await db.query("INSERT INTO test_thread_posts (id, generation_id, kind, body) VALUES ($1, $2, 'failed', $3)", [
        `failed-${crypto.randomUUID()}`,
        address.generationId,
        JSON.stringify({ message, failure }),
      ]);
    },
  };
}

export async function postsFor(db: Db, generationId: string): Promise<RecordedPost[]> {
  const { rows } = await db.query<RecordedPost>(
    'SELECT id, generation_id AS "generationId", kind, body, edits FROM test_thread_posts WHERE generation_id = $1 ORDER BY seq',
    [generationId],
  );
  return rows;
}
