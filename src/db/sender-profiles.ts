/** The `sender_profiles` table: a person's details for the sender slots of their templates. */
import type { SenderProfile } from '../pipeline/sender.ts';
import type { Db } from './pool.ts';

/** Absent fields are stored as null. */
export async function saveSenderProfile(db: Db, userId: string, profile: SenderProfile): Promise<void> {
  await db.query(
    `INSERT INTO sender_profiles (user_id, name, position, institution, work) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) DO UPDATE SET name = $2, position = $3, institution = $4, work = $5, updated_at = now()`,
    [userId, profile.name ?? null, profile.position ?? null, profile.institution ?? null, profile.work ?? null],
  );
}

/** The person's profile without its empty fields; undefined when they never saved one. */
export async function getSenderProfile(db: Db, userId: string): Promise<SenderProfile | undefined> {
  const { rows } = await db.query<Record<'name' | 'position' | 'institution' | 'work', string | null>>(
    'SELECT name, position, institution, work FROM sender_profiles WHERE user_id = $1',
    [userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== '')) as SenderProfile;
}
