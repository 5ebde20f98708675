/**
 * Outreach memory (issue 22, item 3), written once for every platform: *Mark as sent* and *Not
 * sent* on a result (the `outreach` effect of the action table), the warning before a new email to
 * someone already contacted (checked before anything is posted or spent), *Write anyway*, and the
 * reads of `/scribe history` and `/scribe export`.
 *
 * Who was contacted: the identity step's confirmed person (OpenAlex id, with the ORCID beside it)
 * when there is one, else the normalised name and interest. A new request knows no identity yet,
 * so it matches a record by the normalised name — and, when that record's identity was not
 * confirmed, by the normalised interest too.
 */
import type { Db } from '../db/pool.ts';
import type { Generation } from '../db/generations.ts';
import {
  deleteOutreach,
  findContacted,
  insertOutreach,
  listOutreach,
  type Outreach,
  outreachByGeneration,
  saveStartDraft,
  takeStartDraft,
} from '../db/outreach.ts';
import { upsertUser, type UserIdentity } from '../db/users.ts';
import { chosenCandidate } from '../pipeline/identity/filter.ts';
import { normaliseForKey } from '../pipeline/research-cache-key.ts';
import type { GenerationOptions, GenerationRequest } from './commit/start.ts';
import { shortDate } from '../thread/dates.ts';

export { shortDate } from '../thread/dates.ts';

export type { FollowUpState, Outreach } from '../db/outreach.ts';

/** What came of *Mark as sent* / *Not sent*. */
export type OutreachResult =
  | { kind: 'marked-sent'; outreach: Outreach }
  | { kind: 'already-sent'; outreach: Outreach }
  | { kind: 'unmarked'; outreach: Outreach }
  | { kind: 'not-marked' };

/** The confirmed person of an email: `openalex:A…` (or `orcid:…`); undefined when not confirmed. */
export function confirmedIdentity(g: Pick<Generation, 'steps'>): string | undefined {
  const identity = g.steps.identity?.output;
  const chosen = identity ? chosenCandidate(identity) : undefined;
  if (!chosen) return undefined;
  if (chosen.author.id) return `openalex:${chosen.author.id}`;
  return chosen.author.orcid ? `orcid:${chosen.author.orcid}` : undefined;
}

/** The person's ORCID, when the identity step confirmed one (shown in the export beside the OpenAlex id). */
function confirmedOrcid(g: Pick<Generation, 'steps'>): string | undefined {
  const identity = g.steps.identity?.output;
  return identity ? chosenCandidate(identity)?.author.orcid : undefined;
}

/** Records `g` as sent by its requester; a second press finds the record and changes nothing. */
export async function commitMarkSent(db: Db, g: Generation): Promise<OutreachResult> {
  const identity = confirmedIdentity(g);
  const orcid = confirmedOrcid(g);
  const nameKey = normaliseForKey(g.recipientName);
  const interestKey = normaliseForKey(g.recipientInterest);
  const { row, inserted } = await insertOutreach(db, {
    userId: g.userId,
    generationId: g.id,
    recipientName: g.recipientName,
    recipientInterest: g.recipientInterest,
    recipientKey: identity ?? `name:${nameKey}|${interestKey}`,
    identity: identity && orcid && !identity.startsWith('orcid:') ? `${identity} orcid:${orcid}` : (identity ?? null),
    nameKey,
    interestKey,
    version: g.version,
  });
  return inserted ? { kind: 'marked-sent', outreach: row } : { kind: 'already-sent', outreach: row };
}

/** Takes the mark back. */
export async function commitUnmarkSent(db: Db, g: Generation): Promise<OutreachResult> {
  const row = await deleteOutreach(db, g.userId, g.id);
  return row ? { kind: 'unmarked', outreach: row } : { kind: 'not-marked' };
}

/** The newest email this person sent to the recipient of `request`; undefined when none. */
export function contactedBefore(
  db: Db,
  userId: string,
  request: Pick<GenerationRequest, 'recipientName' | 'recipientInterest'>,
): Promise<Outreach | undefined> {
  return findContacted(db, userId, normaliseForKey(request.recipientName), normaliseForKey(request.recipientInterest));
}

/** Keeps what was typed for *Write anyway*; answers the id its button carries. */
export function keepForWriteAnyway(
  db: Db,
  userId: string,
  request: GenerationRequest,
  options: GenerationOptions | undefined,
): Promise<string> {
  return saveStartDraft(db, userId, request, options ?? {});
}

/** What *Write anyway* starts: the request as typed, once; undefined when gone or someone else's. */
export async function takeWriteAnyway(
  db: Db,
  identity: UserIdentity,
  draftId: string,
): Promise<{ request: unknown; options: GenerationOptions } | undefined> {
  const user = await upsertUser(db, identity);
  const draft = await takeStartDraft(db, user.id, draftId);
  if (!draft) return undefined;
  const options = (draft.options ?? {}) as GenerationOptions;
  return { request: draft.request, options };
}

/** The sent marks of these emails, for `/scribe history`. */
export function sentMarks(db: Db, userId: string, generationIds: readonly string[]): Promise<Map<string, Outreach>> {
  return outreachByGeneration(db, userId, generationIds);
}

/** The person's whole outreach, newest first (`/scribe export`, `scribe history --csv`). */
export async function readOutreach(db: Db, identity: UserIdentity): Promise<Outreach[]> {
  const user = await upsertUser(db, identity);
  return listOutreach(db, user.id);
}

/** "You emailed Dr. Ada Lovelace on 12 Nov — version 3." */
export function contactedText(o: Pick<Outreach, 'recipientName' | 'sentAt' | 'version'>): string {
  return `You emailed ${o.recipientName} on ${shortDate(o.sentAt)} — version ${o.version}.`;
}

/** The export's columns, in order. */
export const EXPORT_COLUMNS = ['recipient', 'identity', 'interest', 'sent_at', 'version', 'follow_up'] as const;

/**
 * A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some with a tab or carriage
 * return before them) as a formula: such a cell gets a leading `'`, which spreadsheets show as text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field: quoted when it holds a quote, a comma or a line break; quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 CSV (CRLF line ends, a header row), every cell neutralised first. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map((v) => csvField(neutraliseCell(v))).join(',')).join('\r\n') + '\r\n';
}

/** The person's outreach as CSV: recipient, identity, interest, sent at (ISO), version, follow-up state. */
export function outreachCsv(rows: readonly Outreach[]): string {
  return toCsv(
    EXPORT_COLUMNS,
    rows.map((o) => [
      o.recipientName,
      o.identity ?? '',
      o.recipientInterest,
      o.sentAt.toISOString(),
      String(o.version),
      o.followUp,
    ]),
  );
}

/** The export file's name: `scribe-outreach-2026-12-06.csv`. */
export function exportFileName(now: Date = new Date()): string {
  return `scribe-outreach-${now.toISOString().slice(0, 10)}.csv`;
}
