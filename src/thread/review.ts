/**
 * The research review (issue 11): with "Let me review the research first" on, the worker stops
 * after steps 1–3 with status `awaiting_review` — its job completes, the saved steps stay on the
 * row — and posts the research in the thread. *Write the email* (`commitResume`) puts the row back
 * in the queue with the review done, and the runner resumes after the saved steps: only the
 * composer runs. *Edit research* replaces the saved summary first (`saveResearchSummary`), so the
 * composer writes from the person's version. A row nobody answers stays `awaiting_review`: the
 * sweeper looks at `queued` and `running` rows only, and `/scribe history` lists it.
 */
import type { Generation } from '../db/generations.ts';
import type { Logger } from '../log.ts';
import type { PipelineData } from '../pipeline/types.ts';
import type { ReviewView, ThreadAddress, ThreadReporter } from './reporter.ts';

/** The research of a generation (its saved steps 2 and 3) as the review shows it. */
export function reviewViewOf(
  g: Pick<Generation, 'recipientName' | 'version'>,
  data: Pick<PipelineData, 'steps'>,
): ReviewView {
  const research = data.steps.research?.output;
  return {
    recipientName: g.recipientName,
    version: g.version,
    summary: research?.summary ?? '',
    sources: research?.sources ?? [],
    papers: (data.steps.arxiv?.output?.papers ?? []).map(({ id, title, year, url }) => ({ id, title, year, url })),
  };
}

/**
 * The worker's stop after step 3, once the row says `awaiting_review`: the research posted for
 * review. A failed post is logged, not retried: the row waits, and `/scribe history` lists it.
 */
export async function postReview(
  reporter: ThreadReporter,
  address: ThreadAddress,
  g: Generation,
  data: PipelineData,
  logger: Logger,
): Promise<void> {
  await reporter.review?.(address, reviewViewOf(g, data)).catch((err: unknown) => {
    logger.warn({ err }, 'could not post the research for review');
  });
}
