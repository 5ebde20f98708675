/**
 * Creating a generation: validate the request, check the user's daily quota, insert the row and
 * enqueue its job — the insert and the send in one transaction, so a crash between them cannot
 * leave a row without a job or a job without a row.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { BudgetExceededError, InvalidRequestError, type PermanentError, QuotaExceededError } from '../../errors.ts';
import { withTransaction, type Db } from '../../db/pool.ts';
import { countTodayForQuota, insertGeneration, type Generation, type NewGeneration } from '../../db/generations.ts';
import { lockQuota, recordStart, upsertUser, type User, type UserIdentity } from '../../db/users.ts';
import { saveTemplate } from '../../db/templates.ts';
import { cleanInputText, hasLetter, isWellFormedText } from '../../text/clean.ts';
import { checkStart, type StartRefusal } from '../checks.ts';
import { loadStartContext } from '../context.ts';
import { budgetText } from '../../jobs/budget.ts';
import { sendJob } from '../../jobs/send.ts';
import { identityHintFromText, validateIdentityHint, type RawIdentityHint } from '../../pipeline/identity/hint.ts';
import { IdentityHintSchema } from '../../pipeline/identity/schema.ts';
import type { IdentityHint } from '../../pipeline/types.ts';

const cleanText = (min: number, max: number, what: string) =>
  z
    .string({ error: `${what} is required` })
    .transform(cleanInputText)
    .pipe(
      z
        .string()
        .min(min, { error: min === 1 ? `${what} is required` : `${what} must be at least ${min} characters` })
        .max(max, { error: `${what} must be at most ${max.toLocaleString('en-US')} characters` })
        .refine(isWellFormedText, {
          error: `${what} contains a broken character (half of an emoji or symbol); please type it again`,
          abort: true,
        }),
    );

/** A name or an interest: besides the text rules, it must have a letter (not only digits or symbols). */
const wordyText = (min: number, max: number, what: string) =>
  cleanText(min, max, what).refine(hasLetter, { error: `${what} must contain at least one letter` });

/** The longest template Scribe takes, from any form, option or the template manager. */
export const TEMPLATE_MAX = 20_000;

/** What a user asks for. Field names match the modal's block ids. */
export const GenerationRequestSchema = z.object({
  template: cleanText(20, TEMPLATE_MAX, 'The template'),
  recipientName: wordyText(1, 200, "The recipient's name").refine((s) => !s.includes('\n'), {
    error: "The recipient's name must be one line",
  }),
  recipientInterest: wordyText(1, 500, "The recipient's research interest"),
});
export type GenerationRequest = z.infer<typeof GenerationRequestSchema>;

/** Validates a request; throws `InvalidRequestError` naming every bad field. */
export function parseGenerationRequest(input: unknown): GenerationRequest {
  const parsed = GenerationRequestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Partial<Record<keyof GenerationRequest, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as keyof GenerationRequest | undefined;
    if (field && !fields[field]) fields[field] = issue.message;
  }
  throw new InvalidRequestError(fields);
}

/**
 * Who the person means (issue 20), as typed in parts (`scribe draft`'s options): each optional,
 * checked by `validateIdentityHint` (an ORCID's checksum, an author id's form, a public profile
 * URL). Undefined when nothing was given; throws `InvalidRequestError` with every problem, on the
 * forms' "Who exactly?" field (`identityHint`).
 */
export function parseIdentityHint(raw: RawIdentityHint): IdentityHint | undefined {
  const check = validateIdentityHint(raw);
  if (!check.ok) throw new InvalidRequestError({ identityHint: check.problems.join(' ') });
  return Object.keys(check.hint).length > 0 ? check.hint : undefined;
}

/**
 * The forms' one "Who exactly?" field (issue 20): an affiliation, an ORCID iD, an OpenAlex or
 * arXiv author id, a profile URL, or several of them in one line (`identityHintFromText`).
 * Undefined when empty; throws `InvalidRequestError` on `identityHint` (a mistyped ORCID, an id of
 * no known shape), so nothing is posted or spent.
 */
export function parseWho(text: string | undefined): IdentityHint | undefined {
  const check = identityHintFromText(text ?? '');
  if (!check.ok) throw new InvalidRequestError({ identityHint: check.problems.join(' ') });
  return Object.keys(check.hint).length > 0 ? check.hint : undefined;
}

/**
 * A form's request and its "Who exactly?" field together, every field's problem at once
 * (`InvalidRequestError`): what every platform's form and command run first.
 */
export function parseStartFields(input: { request: unknown; who?: string | undefined }): {
  request: GenerationRequest;
  identityHint: IdentityHint | undefined;
} {
  const fields: InvalidRequestError['fields'] = {};
  let request: GenerationRequest | undefined;
  let identityHint: IdentityHint | undefined;
  try {
    request = parseGenerationRequest(input.request);
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    Object.assign(fields, err.fields);
  }
  try {
    identityHint = parseWho(input.who);
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    Object.assign(fields, err.fields);
  }
  if (!request || Object.keys(fields).length > 0) throw new InvalidRequestError(fields);
  return { request, identityHint };
}

export interface EnqueueDeps {
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
  /** SCRIBE_DAILY_BUDGET_USD per workspace; undefined: none. */
  dailyBudgetUsd?: number | undefined;
}

/** Where the conversation lives, when the bot already posted the progress message. */
export type GenerationAddress = Pick<NewGeneration, 'channelId' | 'threadId' | 'progressMessageId'>;

export interface CreateGenerationInput {
  user: UserIdentity;
  request: unknown;
  /** Who the person means, already checked (`parseIdentityHint`). */
  identityHint?: IdentityHint | undefined;
  address?: GenerationAddress;
}

/** Remaining generations today, for `/scribe status` (the same count the quota check uses). */
export async function remainingQuota(db: Db, userId: string, dailyQuota: number): Promise<number> {
  return Math.max(0, dailyQuota - (await countTodayForQuota(db, userId)));
}

/** How a generation runs, besides what it is asked for. */
export interface GenerationOptions {
  /** Research afresh: the research cache is bypassed, and replaced with what this run finds. */
  freshResearch?: boolean | undefined;
  /** Stop after the research for the person to review it; undefined: no (and the choice is not remembered). */
  reviewResearch?: boolean | undefined;
}

/** What the authoritative half of a start needs: the person's row (upserted already) and the request, parsed. */
export interface CommitGenerationInput {
  user: User;
  identity: UserIdentity;
  request: GenerationRequest;
  /** Who the person means (`parseIdentityHint`); stored on the row for the worker. */
  identityHint?: IdentityHint | undefined;
  address?: GenerationAddress | undefined;
  options?: GenerationOptions | undefined;
  /** Reserved before the first post (its Cancel button carries it); default: a new one. */
  id?: string | undefined;
}

/**
 * The authoritative half of a start, on `tx` (a transaction's client): takes the person's quota
 * lock, checks again on a context loaded under it, then inserts the row and sends its job — both
 * commit or neither. Returns the refusal instead when the check fails (nothing is written then).
 */
export async function commitGeneration(
  deps: EnqueueDeps,
  tx: Db,
  input: CommitGenerationInput,
): Promise<Generation | StartRefusal> {
  // Serialise this person's requests so two at once cannot both take the last slot.
  await lockQuota(tx, input.user.id);
  const refusal = checkStart(
    await loadStartContext(tx, input.identity, deps.dailyQuota, input.user, deps.dailyBudgetUsd),
  );
  if (refusal) return refusal;
  const generation = await insertGeneration(tx, {
    id: input.id,
    userId: input.user.id,
    platform: input.identity.platform,
    teamId: input.identity.teamId,
    ...input.address,
    ...input.request,
    // Stored JSON is a boundary: only the validated shape is written.
    identityHint: input.identityHint ? IdentityHintSchema.parse(input.identityHint) : null,
    freshResearch: input.options?.freshResearch ?? false,
    reviewResearch: input.options?.reviewResearch ?? false,
  });
  await saveTemplate(tx, input.user.id, input.request.template);
  // The count, and the form's checkbox defaults to the person's last answer.
  await recordStart(tx, input.user.id, input.options?.reviewResearch);
  await sendJob(deps.boss, tx, generation.id);
  return generation;
}

/** A start's refusal as the error callers without a chat get (the CLI, benchmarks, tests). */
export function startRefusalError(refusal: StartRefusal): PermanentError {
  if (refusal.kind === 'budget') return new BudgetExceededError(budgetText(refusal.budgetUsd, refusal.pausedUntil));
  return new QuotaExceededError(refusal.quota);
}

export { budgetText } from '../../jobs/budget.ts';

/**
 * Creates and enqueues a generation, for callers without a chat (the chat bots go through
 * `startGeneration`, which posts first). Throws `InvalidRequestError` or `QuotaExceededError`
 * (nothing is written then).
 */
export async function createGeneration(deps: EnqueueDeps, input: CreateGenerationInput): Promise<Generation> {
  const request = parseGenerationRequest(input.request);
  return withTransaction(deps.pool, async (tx) => {
    const user = await upsertUser(tx, input.user);
    const result = await commitGeneration(deps, tx, {
      user,
      identity: input.user,
      request,
      identityHint: input.identityHint,
      address: input.address,
    });
    if ('kind' in result) throw startRefusalError(result);
    return result;
  });
}
