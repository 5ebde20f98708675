/**
 * Step 3: the recipient's papers on arXiv, ranked by how well their title and abstract match the
 * recipient's interest and the template's search terms; the top five are kept, each with its
 * title, year and link, and an abstract trimmed to its first sentences only when the paper
 * matches the interest (the composer needs no summary of a paper it should not dwell on). Runs
 * only for RESEARCH templates (the runner skips it otherwise).
 */
import { trimToSentence } from '../chunk.ts';
import type { PaperSearch } from '../ports.ts';
import { filterPapers } from '../identity/filter.ts';
import type { ArxivOutput, IdentityOutput, Paper, StepResult } from '../types.ts';

export interface ArxivLimits {
  candidates: number;
  kept: number;
  /** A kept paper's abstract is cut to this many characters, at a sentence. */
  abstractChars: number;
  /** Papers that match none of the interest's terms keep no abstract. */
  abstractsOnlyForMatches: boolean;
}

export const ARXIV_LIMITS = {
  candidates: 20,
  kept: 5,
  abstractChars: 400,
  abstractsOnlyForMatches: true,
} as const satisfies ArxivLimits;

/** Before issue 21 (the cost bench's baseline): every kept paper's abstract, as the composer cut it. */
export const ARXIV_BASELINE = {
  ...ARXIV_LIMITS,
  abstractChars: 1_200,
  abstractsOnlyForMatches: false,
} as const satisfies ArxivLimits;

export interface ArxivDeps {
  papers: PaperSearch;
  signal?: AbortSignal | undefined;
}

export interface ArxivInput {
  recipientName: string;
  recipientInterest: string;
  searchTerms: readonly string[];
  /**
   * Who the recipient is (the identity step, issue 20), awaited once arXiv has answered: only that
   * person's papers are kept; it is given what arXiv answered (kept when the run pauses for
   * "Which …?"). Without it, the name-only path (the bench's baseline).
   */
  identity?: ((candidates: readonly Paper[]) => Promise<IdentityOutput>) | undefined;
  /**
   * The papers of the arXiv author id the person gave (issue 20): that author claimed them, so
   * they are the person's; used instead of the search by name.
   */
  authorFeed?: (() => Promise<Paper[]>) | undefined;
  /** arXiv's answer saved when the run paused for "Which …?": used instead of asking arXiv again. */
  held?: readonly Paper[] | undefined;
}

/** Fetches the author's recent papers and keeps the most relevant five (only the person's, given their identity). */
export async function findPapers(
  input: ArxivInput,
  deps: ArxivDeps,
  limits: ArxivLimits = ARXIV_LIMITS,
): Promise<StepResult<ArxivOutput>> {
  const name = input.recipientName.trim();
  const query = [input.recipientInterest, ...input.searchTerms];
  if (input.authorFeed) {
    const ranked = rankPapers(await input.authorFeed(), query);
    const warnings = ranked.length === 0 ? [`The arXiv author id given lists no papers.`] : [];
    return { output: { papers: withAbstracts(ranked.slice(0, limits.kept), limits) }, warnings };
  }
  const candidates =
    input.held ??
    (await deps.papers.byAuthor(name, {
      maxResults: limits.candidates,
      signal: deps.signal,
    }));
  if (input.identity) return personsPapers(candidates, await input.identity(candidates), query, name, limits);
  if (candidates.length === 0) {
    return { output: { papers: [] }, warnings: [`No arXiv papers by ${name} were found.`] };
  }
  const ranked = rankPapers(candidates, query);
  const warnings = ranked.every((r) => r.score === 0)
    ? [`None of ${name}'s arXiv papers mention the interest; the most recent are used.`]
    : [];
  return { output: { papers: withAbstracts(ranked.slice(0, limits.kept), limits) }, warnings };
}

/**
 * The papers `filterPapers` keeps for this identity. An ambiguous identity that is not asked about
 * (the terminal, the bench) goes the unverified way: papers that mention the interest. "None of
 * these" keeps none, and says why.
 */
function personsPapers(
  candidates: readonly Paper[],
  identity: IdentityOutput,
  query: readonly string[],
  name: string,
  limits: ArxivLimits,
): StepResult<ArxivOutput> {
  const basis: IdentityOutput = identity.decision === 'ambiguous' ? { ...identity, decision: 'no-source' } : identity;
  const kept = filterPapers(candidates, basis, { query, limit: limits.kept });
  const warnings: string[] = [];
  if (kept.length === 0) {
    warnings.push(
      basis.basis === 'choice' && basis.decision !== 'confident'
        ? 'No papers used: you said none of the candidates is the person.'
        : basis.decision === 'confident'
          ? `No papers of this ${name} were found on arXiv or OpenAlex.`
          : candidates.length === 0
            ? `No arXiv papers by ${name} were found.`
            : `None of the arXiv papers under the name ${name} mention the interest; none are used, as who wrote them could not be checked.`,
    );
  }
  return { output: { papers: withAbstracts(rankPapers(kept, query), limits) }, warnings };
}

/** Each paper's abstract trimmed; none for a paper that does not match the interest. */
function withAbstracts(ranked: readonly { paper: Paper; score: number }[], limits: ArxivLimits): Paper[] {
  return ranked.map(({ paper, score }) => ({
    ...paper,
    abstract:
      score === 0 && limits.abstractsOnlyForMatches ? '' : trimToSentence(paper.abstract.trim(), limits.abstractChars),
  }));
}

const STOPWORDS = new Set(
  'a an and are as at be by for from has have in into is it its of on or that the their this to was were with using via based towards toward new our we'.split(
    ' ',
  ),
);

/** Lowercased word stems of 3+ letters without stop words ("networks" → "network"). */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * TF-IDF-ish relevance: each query term found in a paper scores its inverse document frequency
 * over the candidates (rarer terms say more), doubled in the title. Ties go to the newer paper,
 * then to the search's own order.
 */
export function rankPapers(papers: readonly Paper[], query: readonly string[]): { paper: Paper; score: number }[] {
  const wanted = [...new Set(query.flatMap(terms))];
  const docs = papers.map((p) => ({ title: new Set(terms(p.title)), abstract: new Set(terms(p.abstract)) }));
  const idf = new Map(
    wanted.map((t) => {
      const df = docs.filter((d) => d.title.has(t) || d.abstract.has(t)).length;
      return [t, Math.log(1 + papers.length / (1 + df))];
    }),
  );
  return papers
    .map((paper, i) => {
      const doc = docs[i] ?? { title: new Set<string>(), abstract: new Set<string>() };
      let score = 0;
      for (const t of wanted) {
        const weight = (doc.title.has(t) ? 2 : 0) + (doc.abstract.has(t) ? 1 : 0);
        score += weight * (idf.get(t) ?? 0);
      }
      return { paper, score, i };
    })
    .sort((a, b) => b.score - a.score || b.paper.year - a.paper.year || a.i - b.i)
    .map(({ paper, score }) => ({ paper, score }));
}
