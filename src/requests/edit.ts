/**
 * The forms of an existing email, on any platform: *Edit* (the email) and *Edit research* (the
 * summary a review is waiting on). Same checks as every action (`checkAction`: team, message,
 * requester or admin), run when the button is pressed — before the form opens, so another person
 * is refused at once — and again when it is saved, optimistically and under the quota lock.
 *
 * Saving an edit posts the new version first (its id reserved, so its buttons work from the
 * start), then records it; a save refused after posting removes what it posted. Idempotent: the
 * same person saving the same text twice (a double submit, a redelivery) collapses in memory and
 * in Postgres (`sameEdit`: a recent edited version with that text answers it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { withTransaction } from '../db/pool.ts';
import * as generations from '../db/generations.ts';
import type { Generation, GenerationStatus } from '../db/generations.ts';
import type { UserIdentity } from '../db/users.ts';
import { commitEdit, editedSteps, editProblems, sameEdit } from './commit/edit.ts';
import { nextVersion } from './commit/versions.ts';
import { addressOf, type ResultView, type ThreadAddress, type ThreadReporter } from '../thread/reporter.ts';
import { resultViewOf } from '../thread/result-view.ts';
import { reviewViewOf } from '../thread/review.ts';
import { ACTIONS, collapseWindowMs, costOf, type FormAction } from './actions.ts';
import { checkAction, type Refusal } from './checks.ts';
import { loadActionContext, type ActionQuery } from './context.ts';
import type { RequestDeps } from './port.ts';

export type { FormAction } from './actions.ts';

/** How an edit reaches its thread: the reporter the worker uses, and a way to take posts back. */
export interface EditPort {
  isAdmin(): Promise<boolean>;
  /** Posts results and research reviews in the thread (the platform's `ThreadReporter`). */
  reporter: ThreadReporter;
  /** Removes messages this flow posted in the generation's thread (a save refused after posting). */
  removeFromThread(g: Generation, messageIds: readonly string[]): Promise<void>;
}

export interface FormInput {
  generationId: string;
  actor: UserIdentity;
  /** The message the button was on (`edit`), or the thread it is in (`research`: see checks.ts). */
  messageId: string;
  /** When the person asked, by the platform's clock; default: now. */
  requestedAt?: Date | undefined;
}

/** What came of pressing a form's button, or of saving it. */
export type EditOutcome =
  | Exclude<Refusal, { kind: 'duplicate' }>
  | { kind: 'duplicate' }
  /** The form may open, prefilled with `text`. */
  | { kind: 'open'; text: string; generation: Generation }
  /** The text is longer than the platform's form holds. */
  | { kind: 'too-long'; length: number; limit: number }
  | { kind: 'nothing-to-do'; status: GenerationStatus }
  | { kind: 'cannot-post' }
  /** A new edited version is in the thread; `problems`: what the email checks found (shown with it). */
  | { kind: 'edited'; child: Generation; problems: string[] }
  | { kind: 'research-saved'; generation: Generation }
  | { kind: 'unchanged' };

function queryOf(
  action: FormAction,
  input: FormInput,
  deps: RequestDeps,
  port: Pick<EditPort, 'isAdmin'>,
  dedupe: boolean,
): ActionQuery {
  return {
    generationId: input.generationId,
    actor: input.actor,
    messageId: input.messageId,
    on: ACTIONS[action].on,
    instruction: null,
    action,
    charges: costOf(action) === 'quota',
    spends: costOf(action) !== 'free',
    collapseWithinMs: dedupe ? collapseWindowMs(input.requestedAt) : undefined,
    dailyQuota: deps.dailyQuota,
    isAdmin: () => port.isAdmin(),
  };
}

/** The refusal as an outcome (a duplicate's existing version stays inside the layer). */
function refused(refusal: Refusal): EditOutcome {
  return refusal.kind === 'duplicate' ? { kind: 'duplicate' } : refusal;
}

/** The text a form is prefilled with: the email, or the research summary while the review waits. */
function formText(action: FormAction, g: Generation): string | undefined {
  if (action === 'edit') return g.status === 'succeeded' ? (g.email ?? undefined) : undefined;
  return g.status === 'awaiting_review' ? g.steps.research?.output?.summary : undefined;
}

/**
 * A form's button was pressed: whether it may open (the checks), and with what. `limit`: the most
 * the platform's text input holds (Slack 3,000, Discord 4,000).
 */
export async function prepareForm(
  deps: RequestDeps,
  port: Pick<EditPort, 'isAdmin'>,
  action: FormAction,
  input: FormInput,
  limit: number,
): Promise<EditOutcome> {
  const ctx = await loadActionContext(deps.pool, queryOf(action, input, deps, port, false));
  const refusal = checkAction(ctx);
  if (refusal || !ctx.parent) return refused(refusal ?? { kind: 'not-found' });
  const text = formText(action, ctx.parent);
  if (text === undefined) return { kind: 'nothing-to-do', status: ctx.parent.status };
  if (text.length > limit) return { kind: 'too-long', length: text.length, limit };
  return { kind: 'open', text, generation: ctx.parent };
}

/** The edited email saved: a new version in the thread, checked, recorded with its parent. */
export async function requestEdit(
  deps: RequestDeps,
  port: EditPort,
  input: FormInput & { email: string },
): Promise<EditOutcome> {
  const { email } = input;
  const digest = createHash('sha256').update(email).digest('hex').slice(0, 16);
  if (!deps.recentRequests.claim(`${input.generationId}:${input.actor.platformUserId}:edit:${digest}`))
    return { kind: 'duplicate' };
  const query = queryOf('edit', input, deps, port, true);
  const ctx = sameEdit(await loadActionContext(deps.pool, query), email);
  const early = checkAction(ctx);
  const parent = ctx.parent;
  if (early || !parent) return refused(early ?? { kind: 'not-found' });
  if (formText('edit', parent) === undefined) return { kind: 'nothing-to-do', status: parent.status };
  if (email.trim() === '') return { kind: 'unchanged' };

  const id = randomUUID();
  const address: ThreadAddress = { ...addressOf(parent), generationId: id, progressMessageId: null };
  const steps = editedSteps(parent, email);
  const viewFor = (version: number): ResultView => ({
    ...resultViewOf(parent.recipientName, version, {
      input: { ...parent, instruction: undefined, identityHint: undefined },
      steps,
    }),
    editedBy: input.actor.platformUserId,
  });
  const version = await nextVersion(deps.pool, parent);
  let posted: string[];
  try {
    ({ messageIds: posted } = await port.reporter.result(address, viewFor(version), {
      existingMessageIds: [],
      maybePosted: false,
    }));
  } catch (err) {
    deps.logger.warn({ err, generationId: parent.id }, 'could not post the edited version');
    return { kind: 'cannot-post' };
  }
  try {
    const result = await withTransaction(deps.pool, (tx) =>
      commitEdit(tx, { query, actor: ctx.actor, actorIsAdmin: ctx.actorIsAdmin, id, email, resultMessageIds: posted }),
    );
    if ('kind' in result) {
      await port.removeFromThread(parent, posted);
      return refused(result);
    }
    // Another version took this number meanwhile: the posted heading says the recorded one.
    if (result.version !== version)
      await port.reporter.result(address, viewFor(result.version), { existingMessageIds: posted, maybePosted: false });
    deps.logger.info({ generationId: parent.id, childId: id, version: result.version }, 'edited version saved');
    return { kind: 'edited', child: result, problems: editProblems(parent, email) };
  } catch (err) {
    await port.removeFromThread(parent, posted);
    throw err;
  }
}

/**
 * The research summary saved (*Edit research*): it replaces the saved one, so *Write the email*
 * composes from it, and the thread shows the edited research (with the same buttons).
 */
export async function requestResearchEdit(
  deps: RequestDeps,
  port: EditPort,
  input: FormInput & { summary: string },
): Promise<EditOutcome> {
  const query = queryOf('research', input, deps, port, false);
  const ctx = await loadActionContext(deps.pool, query);
  const early = checkAction(ctx);
  const parent = ctx.parent;
  if (early || !parent) return refused(early ?? { kind: 'not-found' });
  const saved = formText('research', parent);
  if (saved === undefined) return { kind: 'nothing-to-do', status: parent.status };
  // Saving the same text again (a double submit) changes nothing and posts nothing.
  if (saved === input.summary || input.summary.trim() === '') return { kind: 'unchanged' };
  const updated = await withTransaction(deps.pool, async (tx) => {
    const again = checkAction(await loadActionContext(tx, query, { actor: ctx.actor, actorIsAdmin: ctx.actorIsAdmin }));
    if (again) return again;
    return (await generations.saveResearchSummary(tx, parent.id, input.summary)) ?? { kind: 'gone' as const };
  });
  if ('kind' in updated) {
    if (updated.kind !== 'gone') return refused(updated);
    const row = await generations.getGeneration(deps.pool, parent.id);
    return { kind: 'nothing-to-do', status: row?.status ?? 'cancelled' };
  }
  deps.logger.info({ generationId: parent.id }, 'research summary edited');
  await port.reporter
    .review?.(addressOf(updated), { ...reviewViewOf(updated, updated), editedBy: input.actor.platformUserId })
    .catch((err: unknown) => deps.logger.warn({ err }, 'could not post the edited research'));
  return { kind: 'research-saved', generation: updated };
}

/**
 * A form was saved: the email (*Edit*) or the research summary (*Edit research*), routed by the
 * form the action table gives the action. Exhaustive: a new form needs its case here.
 */
export function saveForm(
  deps: RequestDeps,
  port: EditPort,
  action: FormAction,
  input: FormInput,
  text: string,
): Promise<EditOutcome> {
  const effect = ACTIONS[action].effect;
  switch (effect.form) {
    case 'email':
      return requestEdit(deps, port, { ...input, email: text });
    case 'research':
      return requestResearchEdit(deps, port, { ...input, summary: text });
    default: {
      const unknown: never = effect;
      throw new Error(`No form for ${JSON.stringify(unknown)}`);
    }
  }
}
