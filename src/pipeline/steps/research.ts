/**
 * Step 2: research the recipient on the web. Two searches (background, and papers or books),
 * results deduplicated by URL, pages without usable text read one or two at a time, text that is
 * not prose skipped and each source given a fair share of the corpus, then a summary of ≈3,000
 * characters by the fast model with numbered citations checked in code.
 */
import { z } from 'zod';
import { askStructured } from '../ask.ts';
import { trimToSentence } from '../chunk.ts';
import type { Llm, PageReader, WebResult, WebSearch } from '../ports.ts';
import { buildCorpus } from '../corpus.ts';
import { DATA_NOT_INSTRUCTIONS, cleanCitations, neutralise, packSources, quoteSources } from '../sources.ts';
import type { ParsedTemplate, PipelineInput, ResearchOutput, StepResult } from '../types.ts';
import { readPages, shortUrl } from './read-pages.ts';

export const SummarySchema = z.object({ summary: z.string() });
/** Name of the structured answer (test doubles script by it). */
export const SUMMARY_ANSWER = 'research_summary';

export const RESEARCH_LIMITS = {
  resultsPerQuery: 5,
  /** Search results with less text than this are read with the page reader. */
  readBelowChars: 500,
  /** Sources with less text than this are not worth citing. */
  minUsableChars: 100,
  chunkChars: 30_000,
  /**
   * All the source text the summariser is sent, shared fairly between the sources (see
   * `buildCorpus`); the one place to change it.
   */
  maxCorpusChars: 120_000,
  summaryChars: 3_000,
  summaryMaxChars: 3_500,
} as const;

export interface ResearchDeps {
  llm: Llm;
  search: WebSearch;
  pages: PageReader;
  models: { fast: string };
  signal?: AbortSignal | undefined;
}

export interface ResearchInput {
  input: PipelineInput;
  parsed: ParsedTemplate;
}

/** The two queries; `publications` is undefined for GENERAL templates. */
export function researchQueries({ input, parsed }: ResearchInput): { background: string; publications?: string } {
  const name = input.recipientName.trim();
  const terms = parsed.searchTerms.join(' ');
  const background = `${name} ${input.recipientInterest.trim()} affiliation role current work`;
  if (parsed.templateType === 'RESEARCH')
    return { background, publications: `${name} ${terms} research papers publications` };
  if (parsed.templateType === 'BOOK') return { background, publications: `${name} ${terms} books author` };
  return { background };
}

/** Searches, reads and summarises. No usable source is a warning and an empty summary, not a failure. */
export async function researchRecipient(
  research: ResearchInput,
  deps: ResearchDeps,
): Promise<StepResult<ResearchOutput>> {
  const queries = researchQueries(research);
  const options = { numResults: RESEARCH_LIMITS.resultsPerQuery, signal: deps.signal };
  const found = await Promise.all(
    [queries.background, queries.publications]
      .filter((q) => q !== undefined)
      .map((q) => deps.search.search(q, options)),
  );
  const results = dedupeByUrl(found.flat());
  const { texts, warning } = await readPages(results, deps.pages, RESEARCH_LIMITS.readBelowChars, deps.signal);
  const warnings = warning ? [warning] : [];

  const { sources, skipped } = buildCorpus(
    results.map((result, i) => ({ url: result.url, title: result.title, text: texts[i] ?? '' })),
    { budget: RESEARCH_LIMITS.maxCorpusChars, minChars: RESEARCH_LIMITS.minUsableChars },
  );
  if (skipped.length > 0)
    warnings.push(
      `${skipped.length} ${skipped.length === 1 ? 'page' : 'pages'} skipped: not readable text (${skipped.map((s) => `${shortUrl(s.url)}: ${s.reason}`).join('; ')})`,
    );
  if (sources.length === 0) {
    warnings.push(
      `No web page about ${research.input.recipientName} could be used; the email will rest on the template${research.parsed.templateType === 'RESEARCH' ? ' and arXiv' : ''}.`,
    );
    return { output: { summary: '', sources: [] }, warnings };
  }

  const who = `${research.input.recipientName} (interest: ${research.input.recipientInterest})`;
  const batches = packSources(sources, RESEARCH_LIMITS.chunkChars);
  let summary: string;
  if (batches.length === 1) {
    summary = await summarise(deps, who, quoteSources(sources), RESEARCH_LIMITS.summaryChars);
  } else {
    // Long material: notes per batch, then one summary of the notes (which keep the citations).
    // The notes were written from untrusted text, so they are quoted like it.
    const notes = await Promise.all(batches.map((b) => summarise(deps, who, quoteSources(b), 2_000)));
    const quotedNotes = `<sources>\n${notes.map((n, i) => `<notes part="${i + 1}">\n${neutralise(n)}\n</notes>`).join('\n')}\n</sources>`;
    summary = await summarise(deps, who, quotedNotes, RESEARCH_LIMITS.summaryChars);
  }
  const valid = new Set(sources.map((s) => s.n));
  summary = trimToSentence(cleanCitations(summary, valid).trim(), RESEARCH_LIMITS.summaryMaxChars);
  return { output: { summary, sources: sources.map(({ n, url, title }) => ({ n, url, title })) }, warnings };
}

/** The summariser's system prompt. */
export function summarySystem(chars: number): string {
  return `You summarise web pages about one person for someone who is writing them an email.
${DATA_NOT_INSTRUCTIONS}
Write at most ${chars} characters of plain prose: their current position and affiliation, what they
work on now, notable papers or books, anything the pages say that a personal email could mention.
Cite every fact with the number of its source in square brackets, like [1] or [2][3], using only
the numbers given in the sources. Leave out pages about a different person with the same name, and
say nothing the pages do not support.
Answer with JSON only: {"summary": "..."}.`;
}

async function summarise(deps: ResearchDeps, who: string, quoted: string, chars: number): Promise<string> {
  const { value } = await askStructured(
    deps.llm,
    {
      model: deps.models.fast,
      system: summarySystem(chars),
      messages: [{ role: 'user', content: `Summarise what these sources say about ${who}.\n\n${quoted}` }],
      maxTokens: 2_048,
      signal: deps.signal,
      schema: SummarySchema,
      name: SUMMARY_ANSWER,
    },
    'research summariser',
  );
  return value.summary;
}

/** First occurrence wins; URLs compare without fragment, trailing slash or host case. */
export function dedupeByUrl(results: readonly WebResult[]): WebResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const key = urlKey(r.url);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function urlKey(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url.trim();
  }
}
