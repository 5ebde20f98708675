/**
 * Starting a generation from a chat: validate, check the quota, post the progress message and
 * open its thread through the platform's port, then record and enqueue under the quota lock.
 * A request refused after the first post (another request took the last slot meanwhile) removes
 * what it posted: nothing is left half-started.
 */
import { randomUUID } from 'node:crypto';
import { getTracer } from '../telemetry/tracer.ts';
import { withTransaction } from '../db/pool.ts';
import type { Generation } from '../db/generations.ts';
import { InvalidRequestError } from '../errors.ts';
import type { UserIdentity } from '../db/users.ts';
import { commitGeneration, type GenerationOptions, parseStartFields, type GenerationRequest } from './commit/start.ts';
import type { IdentityHint } from '../pipeline/types.ts';
import { initialProgress } from '../thread/progress.ts';
import { checkStart, type StartContext, type StartRefusal } from './checks.ts';
import { loadStartContext } from './context.ts';
import { CANNOT_POST, type RequestDeps, type StartPort } from './port.ts';
import { contactedBefore, keepForWriteAnyway, takeWriteAnyway, type Outreach } from './outreach.ts';

export type StartOutcome =
  | { kind: 'invalid'; fields: InvalidRequestError['fields'] }
  | StartRefusal
  | { kind: 'cannot-post' }
  /**
   * The person already emailed this recipient (`outreach`): nothing was posted or spent. What they
   * typed is kept under `draftId`, for the *Write anyway* button (`writeAnyway`).
   */
  | { kind: 'contacted'; outreach: Outreach; draftId: string }
  /** *Write anyway* on a draft that is gone (pressed twice, or over a day later). */
  | { kind: 'draft-gone' }
  | { kind: 'started'; generation: Generation; threadId: string | null };

export type StartInput = {
  identity: UserIdentity;
  /** Loaded (and checked) before the platform's ack by `prepareStart`; loaded here when absent. */
  context?: StartContext | undefined;
  /** How to run it: research afresh (bypassing the cache). */
  options?: GenerationOptions | undefined;
  /** *Write anyway*: no warning about a recipient emailed before. */
  writeAnyway?: boolean | undefined;
} /** As typed: validated here, with the "Who exactly?" text (`parseStartFields`). */ & (
  | { request: unknown; who?: string | undefined; parsed?: false }
  /** Validated already (a form that showed the errors on its fields): not parsed again. */
  | { request: GenerationRequest; identityHint?: IdentityHint | undefined; parsed: true }
);

/**
 * The optimistic check alone, for a platform that must answer before it acks (Slack's modal):
 * the context it loads is handed to `startGeneration`, which does not load it again. What it finds
 * is remembered (`lastRefused`).
 */
export async function prepareStart(
  deps: RequestDeps,
  identity: UserIdentity,
): Promise<{ context: StartContext; refused: boolean; refusal: StartRefusal | undefined }> {
  const context = await loadStartContext(deps.pool, identity, deps.dailyQuota, undefined, deps.dailyBudgetUsd);
  const refusal = checkStart(context);
  remember(deps, identity, refusal !== undefined);
  return { context, refused: refusal !== undefined, refusal };
}

/** How long a remembered check says anything: a form is seldom open longer; a day can turn. */
const REMEMBERED_MS = 15 * 60_000;
/** Per database (the counts live there), per person: whether their last check refused, and when. */
const lastChecks = new WeakMap<object, Map<string, { refused: boolean; at: number }>>();
const personKey = (id: UserIdentity) => `${id.platform}:${id.teamId}:${id.platformUserId}`;

function remember(deps: RequestDeps, identity: UserIdentity, refused: boolean): void {
  const checks = lastChecks.get(deps.pool) ?? new Map<string, { refused: boolean; at: number }>();
  lastChecks.set(deps.pool, checks);
  checks.delete(personKey(identity)); // re-inserted last: the map stays in order of use
  checks.set(personKey(identity), { refused, at: Date.now() });
  for (const [key, check] of checks) {
    if (checks.size <= 10_000 && Date.now() - check.at < REMEMBERED_MS) break;
    checks.delete(key);
  }
}

/**
 * Whether this person's last check here (a `prepareStart` or a start, within 15 minutes) refused
 * them: a platform answering before its ack waits on the database only then (docs/decisions.md,
 * "Acks wait on no database"); everyone else is acked at once and checked after.
 */
export function lastRefused(deps: RequestDeps, identity: UserIdentity): boolean {
  const check = lastChecks.get(deps.pool)?.get(personKey(identity));
  return check?.refused === true && Date.now() - check.at < REMEMBERED_MS;
}

const noWait = (): Promise<void> => Promise.resolve();

/** Runs the flow; answers what happened, for the adapter to word. Throws only for what nobody planned for. */
export function startGeneration(deps: RequestDeps, port: StartPort, input: StartInput): Promise<StartOutcome> {
  // The generation's trace starts at the slash command; the job payload carries it to the worker.
  return getTracer().span('request start', { 'scribe.platform': input.identity.platform }, async (span) => {
    const outcome = await start(deps, port, input);
    span.setAttributes({
      'scribe.outcome': outcome.kind,
      'scribe.generation_id': outcome.kind === 'started' ? outcome.generation.id : undefined,
    });
    return outcome;
  });
}

async function start(deps: RequestDeps, port: StartPort, input: StartInput): Promise<StartOutcome> {
  let request: GenerationRequest;
  let identityHint: IdentityHint | undefined;
  try {
    ({ request, identityHint } = input.parsed
      ? { request: input.request, identityHint: input.identityHint }
      : parseStartFields({ request: input.request, who: input.who }));
  } catch (err) {
    if (err instanceof InvalidRequestError) return { kind: 'invalid', fields: err.fields };
    throw err;
  }
  // Each call below waits for the acks on their way first (`RequestDeps.yieldTo`).
  const turn = deps.yieldTo ?? noWait;
  if (!input.context) await turn();
  const context =
    input.context ??
    (await loadStartContext(deps.pool, input.identity, deps.dailyQuota, undefined, deps.dailyBudgetUsd));
  const early = checkStart(context);
  remember(deps, input.identity, early !== undefined);
  if (early) return early;
  // Before anything is posted or spent: someone this person already emailed.
  if (!input.writeAnyway) {
    await turn();
    const outreach = await contactedBefore(deps.pool, context.user.id, request);
    if (outreach) {
      const draftId = await keepForWriteAnyway(deps.pool, context.user.id, request, input.options);
      deps.logger.info(
        { event: 'outreach.warned', outreachId: outreach.id, draftId, platform: input.identity.platform },
        'already emailed this recipient: asked before writing',
      );
      return { kind: 'contacted', outreach, draftId };
    }
  }

  // The row's id is reserved before the first post, so that message carries a working Cancel button.
  const id = randomUUID();
  await turn();
  const progress = await port.postProgress(initialProgress(request.recipientName, 1), id);
  if (progress === CANNOT_POST) return { kind: 'cannot-post' };
  const log = deps.logger.child({ channelId: progress.channelId, progressMessageId: progress.messageId });
  await turn();
  const threadId = await port.openThread(progress);
  try {
    await turn();
    const result = await withTransaction(deps.pool, (tx) =>
      commitGeneration(deps, tx, {
        user: context.user,
        identity: input.identity,
        request,
        identityHint,
        address: { channelId: progress.channelId, threadId, progressMessageId: progress.messageId },
        options: input.options,
        id,
      }),
    );
    if ('kind' in result) {
      remember(deps, input.identity, true);
      await port.remove(progress, threadId);
      return result;
    }
    remember(deps, input.identity, context.usedToday + 1 >= context.dailyQuota);
    log.info(
      { event: 'generation.queued', generationId: result.id, threadId, platform: input.identity.platform },
      'generation queued',
    );
    return { kind: 'started', generation: result, threadId };
  } catch (err) {
    await port.remove(progress, threadId);
    throw err;
  }
}

/**
 * *Write anyway*: starts the request kept when the person was warned, as they typed it, with no
 * second warning. Every other check runs as for any start.
 */
export async function startAnyway(
  deps: RequestDeps,
  port: StartPort,
  identity: UserIdentity,
  draftId: string,
): Promise<StartOutcome> {
  const draft = await takeWriteAnyway(deps.pool, identity, draftId);
  if (!draft) return { kind: 'draft-gone' };
  return startGeneration(deps, port, { identity, request: draft.request, options: draft.options, writeAnyway: true });
}
