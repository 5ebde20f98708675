/**
 * Where waiting generations stand in the generate queue, and about how long until each starts:
 * "2nd in line — about 40 s".
 *
 * Read straight from pg-boss's job table (one query for every waiting job), in the order its fetch
 * takes them: priority first, then creation time. A retry whose backoff has not run out yet is
 * waiting too, so it counts. The estimate is the median duration of recent generations times the
 * number of rounds until this job's turn, with as many jobs per round as are running now (at least
 * one) — rough, but it moves the right way and costs nothing to compute.
 */
import type { Db } from '../db/pool.ts';
import { BOSS_SCHEMA, QUEUES } from './queue.ts';

/** One waiting generation's place in the queue. */
export interface QueuePosition {
  generationId: string;
  /** 1 = next to start. */
  position: number;
  /** About how long until it starts; undefined until some generation has finished to learn from. */
  etaSeconds: number | undefined;
}

/** Recent generations the median is taken over. */
const RECENT_FOR_MEDIAN = 50;

interface Row {
  generationId: string;
  position: number;
  running: number;
  medianSeconds: number | null;
}

/**
 * Every waiting generation's position (all of them, in one query), keyed by generation id. A
 * generation that is running, finished or not in the queue is absent.
 */
export async function queuePositions(db: Db): Promise<Map<string, QueuePosition>> {
  const { rows } = await db.query<Row>(
    `WITH waiting AS (
       SELECT singleton_key AS "generationId",
              row_number() OVER (ORDER BY priority DESC, created_on, id)::int AS position
         FROM ${BOSS_SCHEMA}.job
        WHERE name = $1 AND state IN ('created', 'retry') AND singleton_key IS NOT NULL
     ), running AS (
       SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state = 'active'
     ), recent AS (
       SELECT extract(epoch FROM finished_at - started_at) AS seconds
         FROM generations
        WHERE status = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL
        ORDER BY finished_at DESC
        LIMIT ${RECENT_FOR_MEDIAN}
     )
     SELECT w."generationId", w.position, r.n AS running,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM recent)::float8 AS "medianSeconds"
       FROM waiting w CROSS JOIN running r`,
    [QUEUES.generate],
  );
  const positions = new Map<string, QueuePosition>();
  for (const row of rows) positions.set(row.generationId, toPosition(row));
  return positions;
}

/** One generation's position, or undefined when it is not waiting. */
export async function queuePosition(db: Db, generationId: string): Promise<QueuePosition | undefined> {
  return (await queuePositions(db)).get(generationId);
}

function toPosition(row: Row): QueuePosition {
  const slots = Math.max(1, row.running);
  const etaSeconds =
    row.medianSeconds === null ? undefined : Math.round(Math.ceil(row.position / slots) * row.medianSeconds);
  return { generationId: row.generationId, position: row.position, etaSeconds };
}

/** "1st", "2nd", "3rd", "11th", "22nd". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "2nd in line — about 40 s", "next in line", "3rd in line — about 2 min". */
export function describePosition(p: Pick<QueuePosition, 'position' | 'etaSeconds'>): string {
  const place = p.position === 1 ? 'Next in line' : `${ordinal(p.position)} in line`;
  if (p.etaSeconds === undefined) return place;
  return `${place} — about ${formatEta(p.etaSeconds)}`;
}

function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
