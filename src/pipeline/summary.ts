/**
 * The finished run as chat adapters and `scribe draft` show it: the email, then the numbered web
 * sources and the arXiv papers it stands on.
 */
import type { Paper, PipelineData, Source } from './types.ts';

export interface RunSummary {
  email: string;
  /** True when the email still falls short of the checks; `problems` says how. */
  draft: boolean;
  problems: string[];
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
    sources: data.steps.research?.output?.sources ?? [],
    papers: (data.steps.arxiv?.output?.papers ?? []).map(({ id, title, year, url }) => ({ id, title, year, url })),
  };
}

/** Plain-text "Sources" block: `[1] Title — url` lines, then `Title (2024) — url` for papers. Empty when none. */
export function formatSources(summary: Pick<RunSummary, 'sources' | 'papers'>): string {
  const lines: string[] = [];
  if (summary.sources.length > 0) {
    lines.push('Sources', ...summary.sources.map((s) => `[${s.n}] ${s.title} — ${s.url}`));
  }
  if (summary.papers.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('arXiv papers', ...summary.papers.map((p) => `${p.title} (${p.year}) — ${p.url}`));
  }
  return lines.join('\n');
}
