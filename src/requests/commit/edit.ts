/**
 * An edited email (issue 11, "Edit"): a new version written by the person, not the model. It is a
 * generation row like any other — its parent, the next version number, the parent's research
 * (steps 1–3, so Regenerate and history work on it) and a compose record holding the edited text
 * exactly — born `succeeded`, `edited_by` set, and not counted against the quota (no model call).
 * The text goes through the composer's own checks (`checkEmail`): what they find is shown with the
 * version, never silently accepted.
 *
 * `commitEdit` is the authoritative half (src/requests/edit.ts runs the optimistic half and posts).
 */
import type { Db } from '../../db/pool.ts';
import * as generations from '../../db/generations.ts';
import type { Generation } from '../../db/generations.ts';
import { lockQuota, type User } from '../../db/users.ts';
import { checkEmail } from '../../pipeline/checks.ts';
import type { StepRecords } from '../../pipeline/types.ts';
import { checkAction, type ActionContext, type Refusal } from '../checks.ts';
import { loadActionContext, type ActionQuery } from '../context.ts';
import { versionOf } from './versions.ts';

/** The edited version's steps: the parent's research reused, and the edited email as step 4. */
export function editedSteps(parent: Generation, email: string, now: Date = new Date()): StepRecords {
  const { parse, research, identity, arxiv } = parent.steps;
  const problems = editProblems(parent, email);
  const reused = <T extends { reused?: boolean }>(r: T | undefined): T | undefined => r && { ...r, reused: true };
  const steps: StepRecords = {
    compose: {
      status: 'done',
      output: { email, draft: problems.length > 0, problems },
      durationMs: 0,
      warnings: [],
      finishedAt: now.toISOString(),
    },
  };
  if (parse) steps.parse = reused(parse);
  if (research) steps.research = reused(research);
  if (identity) steps.identity = reused(identity);
  if (arxiv) steps.arxiv = reused(arxiv);
  return steps;
}

/** What the email checks find in an edited email, against the parent's template and research. */
export function editProblems(parent: Generation, email: string): string[] {
  const research = parent.steps.research?.output;
  return checkEmail({
    email,
    template: parent.template,
    placeholders: parent.steps.parse?.output?.placeholders ?? [],
    papers: parent.steps.arxiv?.output?.papers ?? [],
    sourceTitles: (research?.sources ?? []).map((s) => s.title),
    sourceUrls: (research?.sources ?? []).map((s) => s.url),
    researchSummary: research?.summary ?? '',
  });
}

/**
 * The dedupe rule for edits: a recent edited version answers a request only when it holds the
 * same text (a double submit, a redelivery); a different text a moment later is a new edit.
 */
export function sameEdit(ctx: ActionContext, email: string): ActionContext {
  return ctx.recent && ctx.recent.email !== email ? { ...ctx, recent: undefined } : ctx;
}

export interface CommitEditInput {
  query: ActionQuery;
  actor: User;
  actorIsAdmin: boolean | undefined;
  /** Reserved before the version was posted (its buttons carry it). */
  id: string;
  email: string;
  /** The messages the version was posted in. */
  resultMessageIds: readonly string[];
}

/**
 * On `tx`, under the requester's quota lock (which serialises their versions): checks again, then
 * inserts the edited version. Returns the refusal instead (nothing is written then).
 */
export async function commitEdit(tx: Db, input: CommitEditInput): Promise<Generation | Refusal> {
  const parent = await generations.getGeneration(tx, input.query.generationId);
  if (parent) await lockQuota(tx, parent.userId);
  const ctx = sameEdit(
    await loadActionContext(tx, input.query, { parent, actor: input.actor, actorIsAdmin: input.actorIsAdmin }),
    input.email,
  );
  const refusal = checkAction(ctx);
  if (refusal || !parent) return refusal ?? { kind: 'not-found' };
  return generations.insertGeneration(tx, {
    ...(await versionOf(tx, parent)),
    id: input.id,
    action: 'edit',
    steps: editedSteps(parent, input.email),
    edited: { by: input.actor.id, email: input.email, sources: parent.sources },
    resultMessageIds: input.resultMessageIds,
  });
}
