/**
 * The result as a thread shows it, built from a finished run. Shared by the worker and
 * `scribe draft`, so both show the same email, sources and notes.
 */
import { describeIdentity } from '../pipeline/identity/filter.ts';
import { summarizeRun } from '../pipeline/summary.ts';
import type { PipelineData } from '../pipeline/types.ts';
import type { ResultView } from './reporter.ts';

/** The result view of a finished run. Throws if the run has no email (a bug: the runner always composes). */
export function resultViewOf(recipientName: string, version: number, data: PipelineData): ResultView {
  const summary = summarizeRun(data);
  if (!summary) throw new Error('the pipeline finished without an email');
  const notes: string[] = [];
  const research = data.steps.research;
  const identity = data.steps.identity?.output ?? undefined;
  if (research?.status === 'done' && research.output?.sources.length === 0) {
    notes.push('No web page about the recipient could be read; the email rests on the template and arXiv only.');
  }
  const left = data.steps.compose?.output?.senderLeft ?? [];
  if (left.length > 0) notes.push(senderLeftNote(left));
  return {
    recipientName,
    version,
    email: summary.email,
    draft: summary.draft,
    problems: summary.problems,
    ...(summary.subject === undefined ? {} : { subject: summary.subject }),
    ...(summary.fills === undefined ? {} : { fills: summary.fills }),
    sources: summary.sources,
    papers: data.steps.arxiv?.output?.papers ?? [],
    notes,
    about: identity ? describeIdentity(identity, recipientName) : undefined,
    ...(research?.output?.recipientEmail ? { recipientEmail: research.output.recipientEmail } : {}),
  };
}

/** The sender's slots the profile could not fill: named, for the person to fill in. */
export const senderLeftNote = (left: readonly string[]) =>
  `Left for you to fill in: ${left.join(', ')} (your sender profile has nothing for ${left.length === 1 ? 'it' : 'them'}).`;
