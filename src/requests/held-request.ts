/**
 * A request typed into a form that cannot start until the person answers a question — today, where
 * the personal line goes when the template has no recipient placeholder, on Discord, whose forms
 * cannot open another form from a submission. Instead of asking them to type it all again, the
 * request is held and the question's buttons start it (`takeHeldRequest`, then the same start as
 * the form: `placePersonalLine` and `startGeneration`, every check run then).
 *
 * The template is saved at once as the person's last template (the next form opens with it, even
 * after a restart); the whole request — name, interest, the form's choices — is held in this
 * process's memory for `HOLD_MS`, the life of the interaction token that shows the question, under
 * a random key the buttons carry. Nothing is started or charged while it is held.
 */
import { randomUUID } from 'node:crypto';
import { saveTemplate } from '../db/templates.ts';
import { upsertUser } from '../db/users.ts';
import type { RequestDeps } from './port.ts';
import type { UserIdentity } from './types.ts';

/** How long a held request waits for its answer: Discord's interaction token lasts 15 minutes. */
export const HOLD_MS = 15 * 60_000;
/** At most this many held at once (the oldest dropped first). */
const MAX_HELD = 1_000;

export interface HeldRequest {
  identity: UserIdentity;
  /** Where the request was made (the progress message goes there). */
  channelId: string;
  /** What was typed, as typed (checked again when it starts). */
  request: { template: string; recipientName: string; recipientInterest: string };
  /** The "Who exactly?" text given with it, if any. */
  who?: string | undefined;
  /** The form's options. */
  fresh: boolean;
  review?: boolean | undefined;
  /** `save_as`: the name its template is saved under once it starts (issue 23). */
  saveAs?: string | undefined;
}

export type TakenRequest =
  | { kind: 'found'; held: HeldRequest }
  /** Answered already, or held longer than `HOLD_MS`, or this process restarted. */
  | { kind: 'expired' }
  /** Someone else's (its key in another person's hands); it stays held for its owner. */
  | { kind: 'not-yours' };

const held = new Map<string, { at: number; held: HeldRequest }>();

function sweep(now: number): void {
  // A Map iterates in insertion order: the oldest first.
  for (const [key, entry] of held) {
    if (now - entry.at < HOLD_MS && held.size < MAX_HELD) break;
    held.delete(key);
  }
}

/**
 * Holds a typed request for its answer; returns the key (a UUID) its buttons carry and the saving
 * of its template (awaited after the platform's answer: the question must go out within 3 s).
 */
export function holdRequest(
  deps: Pick<RequestDeps, 'pool' | 'logger'>,
  request: HeldRequest,
  now = Date.now(),
): { key: string; saved: Promise<void> } {
  sweep(now);
  const key = randomUUID();
  held.set(key, { at: now, held: request });
  deps.logger.info({ event: 'request.held', heldKey: key }, 'request held for its personal-line answer');
  const saved = (async () => {
    const user = await upsertUser(deps.pool, request.identity);
    await saveTemplate(deps.pool, user.id, request.request.template);
  })().catch((err: unknown) => deps.logger.warn({ err }, 'could not save the held template'));
  return { key, saved };
}

/** The held request `key`, once, for the person who typed it. */
export function takeHeldRequest(key: string, identity: UserIdentity, now = Date.now()): TakenRequest {
  sweep(now);
  const entry = held.get(key);
  if (!entry || now - entry.at >= HOLD_MS) return { kind: 'expired' };
  const owner = entry.held.identity;
  if (
    owner.platform !== identity.platform ||
    owner.teamId !== identity.teamId ||
    owner.platformUserId !== identity.platformUserId
  ) {
    return { kind: 'not-yours' };
  }
  held.delete(key);
  return { kind: 'found', held: entry.held };
}
