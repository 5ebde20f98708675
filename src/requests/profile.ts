/**
 * `/scribe profile`: the sender's details (name, position, institution, a line about their work)
 * that fill the sender slots of their templates. Read for the form, saved from it; the same rule on
 * every platform. The worker reads the profile when it writes (jobs/process.ts).
 */
import { getSenderProfile, saveSenderProfile } from '../db/sender-profiles.ts';
import type { Db } from '../db/pool.ts';
import { upsertUser, type UserIdentity } from '../db/users.ts';
import {
  parseSenderProfile,
  SENDER_FIELD_NAMES,
  type SenderField,
  SenderProfileSchema,
  type SenderProfile,
} from '../pipeline/sender.ts';

export type { SenderField, SenderProfile } from '../pipeline/sender.ts';
export { SENDER_FIELD_NAMES, SENDER_FIELDS } from '../pipeline/sender.ts';

/** The person's saved profile (empty when they have none): the form's prefill. */
export async function readProfile(db: Db, identity: UserIdentity): Promise<SenderProfile> {
  const user = await upsertUser(db, identity);
  return (await getSenderProfile(db, user.id)) ?? {};
}

/** A save's outcome: the profile as stored, or a message per field that was refused. */
export type ProfileSaved =
  | { ok: true; profile: SenderProfile }
  | { ok: false; errors: Partial<Record<SenderField, string>> };

/** Saves what the form sent (every field replaced; an empty one clears it). */
export async function saveProfile(db: Db, identity: UserIdentity, input: unknown): Promise<ProfileSaved> {
  const parsed = SenderProfileSchema.safeParse(input);
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'name'), i.message]));
    return { ok: false, errors };
  }
  const profile = parseSenderProfile(parsed.data);
  const user = await upsertUser(db, identity);
  await saveSenderProfile(db, user.id, profile);
  return { ok: true, profile };
}

/** "name, institution": what a saved profile holds, for the confirmation. */
export const profileSummary = (profile: SenderProfile): string =>
  SENDER_FIELD_NAMES.filter((f) => profile[f]).join(', ');
