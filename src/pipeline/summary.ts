/**
 * The finished run as chat adapters and `scribe draft` show it: the email, then the numbered web
 * sources and the arXiv papers it stands on.
 */
import type { Fill, Paper, PipelineData, Source } from './types.ts';

export interface RunSummary {
  email: string;
  /** True when the email still falls short of the checks; `problems` says how. */
  draft: boolean;
  problems: string[];
  /** The subject line (the template's, else written); absent for older and edited versions. */
  subject?: string | undefined;
  /** What went into each recipient slot and the numbers it cites (`numberSources`); absent for older and edited versions. */
  fills?: Fill[] | undefined;
  sources: Source[];
  papers: Pick<Paper, 'id' | 'title' | 'year' | 'url'>[];
}

/** The email and its sources, or undefined when the run has no email yet. */
export function summarizeRun(data: PipelineData): RunSummary | undefined {
  const compose = data.steps.compose?.output;
  if (!compose) return undefined;
  return {
    email: compose.email,
    draft: compose.draft,
    problems: compose.problems,
    ...(compose.subject === undefined ? {} : { subject: compose.subject }),
    ...(compose.fills === undefined ? {} : { fills: compose.fills }),
    sources: data.steps.research?.output?.sources ?? [],
    papers: (data.steps.arxiv?.output?.papers ?? []).map(({ id, title, year, url }) => ({ id, title, year, url })),
  };
}
