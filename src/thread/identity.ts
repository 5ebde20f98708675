/**
 * "Which Jun Li?" (issue 20): when the recipient's name matches several profiles too closely, the
 * worker stops with status `awaiting_identity` — its job completes; the saved steps (the reading
 * of the template, the identity's candidates, the pages read and arXiv's answer) stay on the row —
 * and the thread asks, a button per candidate (institution · main topic · one recent title) and
 * "None of these". The choice (`commitChoice`) is saved on `steps.identity` and puts the row back
 * in the queue; the runner resumes from the identity: no parser call, no new search. A row nobody
 * answers stays `awaiting_identity`: the sweeper looks at `queued` and `running` rows only.
 */
import type { Generation } from '../db/generations.ts';
import type { Logger } from '../log.ts';
import { candidateLabel, identityQuestion, NONE_OF_THESE } from '../pipeline/identity/filter.ts';
import { institutionsOf } from '../pipeline/identity/match.ts';
import type { IdentityOutput, StepRecords } from '../pipeline/types.ts';
import type { IdentityQuestionView, ThreadAddress, ThreadReporter } from './reporter.ts';

/** The option a "None of these" button carries. */
export const NONE_OPTION = NONE_OF_THESE;

/** The question for a saved ambiguous identity; undefined when there is nothing to ask. */
export function identityQuestionOf(
  g: Pick<Generation, 'recipientName' | 'version'>,
  steps: Pick<StepRecords, 'identity'>,
  batch?: { position: number; size: number },
): IdentityQuestionView | undefined {
  const identity = steps.identity?.output;
  const asked = identity && identityQuestion(identity, g.recipientName.trim());
  if (!identity || !asked) return undefined;
  return {
    recipientName: g.recipientName,
    version: g.version,
    question: asked.question,
    options: identity.candidates.map((c, i) => ({
      option: String(i + 1),
      label: candidateLabel(c),
      institution: c.author.institutions[0]?.name ?? institutionsOf(c.author)[0] ?? c.author.name,
    })),
    none: { option: NONE_OPTION, label: asked.none },
    ...(batch ? { batch } : {}),
  };
}

/**
 * What a button's option names on the saved record: a candidate's id ("1" is the first offered),
 * or `NONE_OF_THESE`; undefined for an option the question did not offer (a forged or stale one).
 */
export function choiceOf(identity: IdentityOutput, option: string): string | undefined {
  if (option === NONE_OPTION) return NONE_OF_THESE;
  if (!/^[1-9]$/.test(option)) return undefined;
  return identity.candidates[Number(option) - 1]?.author.id;
}

/** How the choice reads back to the person: the candidate's line, or "none of them". */
export function describeChoice(identity: IdentityOutput): string {
  const chosen = identity.candidates.find((c) => c.author.id === identity.chosenId);
  return identity.decision === 'confident' && chosen
    ? `${chosen.author.name} · ${candidateLabel(chosen)}`
    : 'none of the people offered';
}

/**
 * The worker's stop for "Which …?", once the row says `awaiting_identity`. A failed post is
 * logged, not retried: the row waits, and `/scribe history` lists it.
 */
export async function postIdentityQuestion(
  reporter: ThreadReporter,
  address: ThreadAddress,
  view: IdentityQuestionView,
  logger: Logger,
): Promise<void> {
  await reporter.askIdentity?.(address, view).catch((err: unknown) => {
    logger.warn({ err }, 'could not ask which person the recipient is');
  });
}
