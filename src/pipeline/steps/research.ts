/**
 * Step 2: research the recipient on the web. Two searches (background, and papers or books; Exa
 * `lite`, each result's opening text and its query-relevant highlights) — the papers search left
 * out when the person's confirmed scholarly record already gives their papers with venue and year
 * (`ResearchLimits.skipPublicationsWith`, then made after the background's pages), results deduplicated by
 * URL, pages without usable text read up to four at a time per search, as soon as that search answers
 * (the background search is started with the generation, before the parse) and within a deadline
 * from its answer (the slow ones are left out, issue 24), text that is not prose skipped and
 * each source given a fair share of the corpus, then a summary of ≈3,000 characters by the fast
 * model with numbered citations checked in code: one call, as the corpus fits one request.
 */
import { z } from 'zod';
import { askStructured } from '../ask.ts';
import { trimToSentence } from '../chunk.ts';
import type { Llm, PageReader, WebResult, WebSearch, WebSearchAnswer, WebSearchOptions } from '../ports.ts';
import type { ExaSearchType } from '../prices.ts';
import { buildCorpus } from '../corpus.ts';
import { DATA_NOT_INSTRUCTIONS, cleanCitations, neutralise, packSources, quoteSources } from '../sources.ts';
import { filterSources, personWorks, workAsPaper } from '../identity/filter.ts';
import { rankPapers } from '../rank.ts';
import { findRecipientEmail } from '../recipient-email.ts';
import type { PageText } from '../identity/score.ts';
import type {
  IdentityHeld,
  IdentityOutput,
  ParsedTemplate,
  PipelineInput,
  ResearchOutput,
  StepResult,
} from '../types.ts';
import { readPages, shortUrl } from './read-pages.ts';

export const SummarySchema = z.object({ summary: z.string() });
/** Name of the structured answer (test doubles script by it). */
export const SUMMARY_ANSWER = 'research_summary';

/** What research asks of Exa and sends on to the summariser. */
export interface ResearchLimits {
  resultsPerQuery: number;
  /** Exa's search type; undefined sends none (Exa's default, `auto`). */
  searchType: ExaSearchType | undefined;
  /** Page text asked of Exa per result: the opening of the page (who, where, what). */
  textChars: number;
  /** Query-relevant highlights asked of Exa per result; 0 asks for none. */
  highlightChars: number;
  /** Search results with less text than this are read with the page reader. */
  readBelowChars: number;
  /** Sources with less text than this are not worth citing. */
  minUsableChars: number;
  /** Source text per summariser call; more than that is summarised in notes first. */
  chunkChars: number;
  /** All the source text the summariser is sent, shared fairly between the sources (`buildCorpus`). */
  maxCorpusChars: number;
  summaryChars: number;
  summaryMaxChars: number;
  /**
   * Leaves the papers/books search out. Not used in production: the cost test measures what an
   * email would lose without it (docs/decisions.md, "Issue 21, what was left").
   */
  backgroundOnly?: boolean | undefined;
  /**
   * The publications search waits for who the person is and is left out when their scholarly
   * record (a confirmed identity) already gives at least this many works about the interest with
   * a venue and a year: what publication pages add (titles, venues, years) is then on the paper
   * records the composer gets. Undefined: both searches at once, always (the baseline). Only when
   * the identity can be confirmed at all (`ResearchInput.preview`) and for RESEARCH templates.
   */
  skipPublicationsWith?: number | undefined;
}

/**
 * Issue 21: Exa `lite` ($4 rather than $7 per 1,000 searches), 2,000 characters of each page's
 * opening and 2,000 of its highlights (Exa prices a search the same with or without them), and a
 * corpus of 40,000 characters that fits one summariser call: ten sources of 4,000 characters are
 * sent whole, and a page read without Exa gets a fair share of the rest.
 */
export const RESEARCH_LIMITS = {
  resultsPerQuery: 5,
  searchType: 'lite',
  textChars: 2_000,
  highlightChars: 2_000,
  readBelowChars: 500,
  minUsableChars: 100,
  chunkChars: 40_000,
  maxCorpusChars: 40_000,
  summaryChars: 3_000,
  summaryMaxChars: 3_500,
  skipPublicationsWith: 3,
} as const satisfies ResearchLimits;

/**
 * The research before issue 21, kept reachable for the cost bench (`npm run bench -- cost`): no
 * search type, 20,000 characters of text per result, no highlights, a corpus of 120,000
 * characters summarised in notes of 30,000.
 */
export const RESEARCH_BASELINE = {
  ...RESEARCH_LIMITS,
  searchType: undefined,
  textChars: 20_000,
  highlightChars: 0,
  chunkChars: 30_000,
  maxCorpusChars: 120_000,
  skipPublicationsWith: undefined,
} as const satisfies ResearchLimits;

export interface ResearchDeps {
  llm: Llm;
  search: WebSearch;
  pages: PageReader;
  models: { fast: string };
  signal?: AbortSignal | undefined;
  /** All the page reads together, after Exa's answer (`RESEARCH_PAGES_DEADLINE`); undefined: no deadline. */
  pagesDeadlineMs?: number | undefined;
  /**
   * The background search, started before the template was parsed (`searchBackground`: its query
   * needs only the recipient): used instead of searching again.
   */
  background?: Promise<WebSearchAnswer> | undefined;
}

export interface ResearchInput {
  input: PipelineInput;
  parsed: ParsedTemplate;
  /**
   * Who the recipient is, from the pages read (the identity step, issue 20): called once the pages
   * are read and before the summary, so pages about a namesake are left out of it. The research's
   * warnings so far go with them (kept with the pages when the run pauses for "Which …?").
   */
  identify?: ((pages: readonly PageText[], warnings: readonly string[]) => Promise<IdentityOutput>) | undefined;
  /**
   * The pages read before the run paused for "Which …?" (the identity record's `held`): the
   * research goes on from them, with no new search and no page read again.
   */
  held?: Pick<IdentityHeld, 'pages' | 'warnings'> | undefined;
  /**
   * Who the person is from the background pages alone, recording nothing (the runner's identity
   * step with its directory answers kept for the real one, so `identify` asks nothing again).
   * Given only when the identity can be confirmed (an OpenAlex key, or an arXiv author id); with
   * it the publications search may be left out (`ResearchLimits.skipPublicationsWith`).
   */
  preview?: ((pages: readonly PageText[]) => Promise<IdentityOutput>) | undefined;
}

/** Who the person is and what they do now: the recipient alone decides it, not the template. */
export function backgroundQuery(input: Pick<PipelineInput, 'recipientName' | 'recipientInterest'>): string {
  return `${input.recipientName.trim()} ${input.recipientInterest.trim()} affiliation role current work`;
}

/** The two queries; `publications` is undefined for GENERAL templates. */
export function researchQueries({ input, parsed }: ResearchInput): { background: string; publications?: string } {
  const name = input.recipientName.trim();
  const terms = parsed.searchTerms.join(' ');
  const background = backgroundQuery(input);
  if (parsed.templateType === 'RESEARCH')
    return { background, publications: `${name} ${terms} research papers publications` };
  if (parsed.templateType === 'BOOK') return { background, publications: `${name} ${terms} books author` };
  return { background };
}

/** Searches, reads and summarises. No usable source is a warning and an empty summary, not a failure. */
export async function researchRecipient(
  research: ResearchInput,
  deps: ResearchDeps,
  limits: ResearchLimits = RESEARCH_LIMITS,
): Promise<StepResult<ResearchOutput>> {
  const { read, warnings } = research.held
    ? { read: research.held.pages.map((p) => ({ ...p })), warnings: [...research.held.warnings] }
    : await searchAndRead(research, deps, limits);
  const about = research.identify ? await aboutThePerson(read, research.identify, warnings) : read;
  const { sources, skipped } = buildCorpus(about, {
    budget: limits.maxCorpusChars,
    minChars: limits.minUsableChars,
  });
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
  const batches = packSources(sources, limits.chunkChars);
  let summary: string;
  if (batches.length === 1) {
    summary = await summarise(deps, who, quoteSources(sources), limits.summaryChars);
  } else {
    // Long material: notes per batch, then one summary of the notes (which keep the citations).
    // The notes were written from untrusted text, so they are quoted like it.
    const notes = await Promise.all(batches.map((b) => summarise(deps, who, quoteSources(b), 2_000)));
    const quotedNotes = `<sources>\n${notes.map((n, i) => `<notes part="${i + 1}">\n${neutralise(n)}\n</notes>`).join('\n')}\n</sources>`;
    summary = await summarise(deps, who, quotedNotes, limits.summaryChars);
  }
  const valid = new Set(sources.map((s) => s.n));
  summary = trimToSentence(cleanCitations(summary, valid).trim(), limits.summaryMaxChars);
  // The address is looked for in each kept source's whole text, not the share the summariser got.
  const fullText = new Map(about.map((page) => [page.url, page.text]));
  const recipientEmail = findRecipientEmail(
    research.input.recipientName,
    sources.map((s) => ({ n: s.n, url: s.url, text: fullText.get(s.url) ?? s.text })),
  );
  return {
    output: {
      summary,
      sources: sources.map(({ n, url, title }) => ({ n, url, title })),
      ...(recipientEmail ? { recipientEmail } : {}),
    },
    warnings,
  };
}

/** What every search of the research asks Exa for. */
function searchOptions(limits: ResearchLimits, signal: AbortSignal | undefined): WebSearchOptions {
  return {
    numResults: limits.resultsPerQuery,
    type: limits.searchType,
    textChars: limits.textChars,
    highlightChars: limits.highlightChars,
    signal,
  };
}

/**
 * The background search on its own, as research would make it: the runner starts it with the
 * generation, while the template is still being parsed (its query needs only the recipient), and
 * hands it to research as `ResearchDeps.background`.
 */
export function searchBackground(
  input: Pick<PipelineInput, 'recipientName' | 'recipientInterest'>,
  deps: Pick<ResearchDeps, 'search' | 'signal'>,
  limits: ResearchLimits = RESEARCH_LIMITS,
): Promise<WebSearchAnswer> {
  return deps.search.search(backgroundQuery(input), searchOptions(limits, deps.signal));
}

/** The two searches, deduplicated, and each result's best text (pages read where the search gave too little). */
async function searchAndRead(
  research: ResearchInput,
  deps: ResearchDeps,
  limits: ResearchLimits,
): Promise<{ read: PageText[]; warnings: string[] }> {
  const queries = researchQueries(research);
  const options = searchOptions(limits, deps.signal);
  // The extraction thread starts while Exa searches, not within the pages' deadline.
  deps.pages.warm?.();
  const background = deps.background ?? searchBackground(research.input, deps, limits);
  // An early search that fails is reported by whoever reads it; this keeps it from being unhandled.
  background.catch(() => undefined);
  const publications = limits.backgroundOnly ? undefined : queries.publications;
  const min = limits.skipPublicationsWith;
  if (publications === undefined || min === undefined || !research.preview) {
    const more = publications === undefined ? undefined : deps.search.search(publications, options);
    more?.catch(() => undefined);
    // The background's pages are read as soon as it answers, while the publications search may
    // still run (it was started later when the background search began with the generation); each
    // search's pages have the whole deadline from its own answer, so the research ends no later
    // than when both answered together. Results are kept in the same order: background first.
    const first = dedupeByUrl((await background).results);
    if (!more) return readResults(first, deps, limits, deps.pagesDeadlineMs);
    // A failed publications search fails the step: the background's reads still running stop.
    const stop = new AbortController();
    const reads = { ...deps, signal: deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal };
    const reading = readResults(first, reads, limits, deps.pagesDeadlineMs);
    reading.catch(() => undefined);
    let answer: WebSearchAnswer;
    try {
      answer = await more;
    } catch (err) {
      stop.abort(err);
      await reading.catch(() => undefined);
      throw err;
    }
    const seen = new Set(first.map((r) => urlKey(r.url)));
    const rest = dedupeByUrl(answer.results).filter((r) => !seen.has(urlKey(r.url)));
    const [a, b] = await Promise.all([reading, readResults(rest, deps, limits, deps.pagesDeadlineMs)]);
    return { read: [...a.read, ...b.read], warnings: [...a.warnings, ...b.warnings] };
  }
  // Staged: the background first, who the person is from it, then the publications only when
  // their record does not already give the papers with venue and year (issue 21, the batch target).
  const found = dedupeByUrl((await background).results);
  const reading = Date.now();
  const first = await readResults(found, deps, limits, deps.pagesDeadlineMs);
  // One deadline for the page reads of both searches together, as when they run at once.
  const left =
    deps.pagesDeadlineMs === undefined ? undefined : Math.max(0, deps.pagesDeadlineMs - (Date.now() - reading));
  // A failing preview is decided again by the identity step proper, which reports it.
  const early = await research.preview(first.read).catch(() => undefined);
  if (early && citableWorks(early, [research.input.recipientInterest, ...research.parsed.searchTerms]) >= min)
    return first;
  const seen = new Set(found.map((r) => urlKey(r.url)));
  const more = (await deps.search.search(publications, options)).results.filter((r) => !seen.has(urlKey(r.url)));
  const second = await readResults(dedupeByUrl(more), deps, limits, left);
  return { read: [...first.read, ...second.read], warnings: [...first.warnings, ...second.warnings] };
}

/**
 * The confirmed person's works about the interest that carry a venue and a year: what a
 * publication page would give the composer, already on its paper records. 0 when not confirmed.
 */
export function citableWorks(identity: IdentityOutput, query: readonly string[]): number {
  // A preprint server is not a venue: a publication page would add where the paper appeared.
  const works = personWorks(identity, query).filter((w) => w.venue && !/\barxiv\b/i.test(w.venue) && w.year);
  return rankPapers(works.map(workAsPaper), query).filter((r) => r.score > 0).length;
}

/** Search results read: each one's best text (pages read where the search gave too little). */
async function readResults(
  results: readonly WebResult[],
  deps: ResearchDeps,
  limits: ResearchLimits,
  deadlineMs: number | undefined,
): Promise<{ read: PageText[]; warnings: string[] }> {
  const { texts, leftOut, warnings } = await readPages(
    results,
    deps.pages,
    limits.readBelowChars,
    deps.signal,
    deadlineMs,
  );
  // A page cut off at the deadline is left out whole (its warning says so), its excerpt included.
  const read = results.flatMap((result, i) =>
    leftOut.has(i) ? [] : [{ url: result.url, title: result.title, text: withHighlights(texts[i] ?? '', result) }],
  );
  return { read, warnings };
}

/** The pages about the person the identity step settled on; those about a namesake become a warning. */
async function aboutThePerson<T extends PageText>(
  read: T[],
  identify: (pages: readonly PageText[], warnings: readonly string[]) => Promise<IdentityOutput>,
  warnings: string[],
): Promise<T[]> {
  const { kept, dropped } = filterSources(read, await identify(read, [...warnings]));
  if (dropped.length > 0) {
    warnings.push(
      `${dropped.length} ${dropped.length === 1 ? 'page' : 'pages'} left out, about someone else: ${dropped.map((d) => `${shortUrl(d.source.url)} (${d.reason})`).join('; ')}`,
    );
  }
  return kept;
}

/**
 * A result's text for the corpus: the page's opening (Exa's text, or what the page reader read),
 * then each highlight it does not already hold — passages from further down the page that match
 * the search, such as a paper or an award in a long list.
 */
export function withHighlights(text: string, result: Pick<WebResult, 'highlights'>): string {
  const opening = text.trim();
  const extra = (result.highlights ?? []).map((h) => h.trim()).filter((h) => h && !opening.includes(h));
  return extra.length === 0 ? opening : [opening, ...extra].filter(Boolean).join('\n…\n');
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
