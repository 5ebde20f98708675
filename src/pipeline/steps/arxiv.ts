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
import { PAPERS_KEPT, rankPapers } from '../rank.ts';
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
  kept: PAPERS_KEPT,
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
