/**
 * The identity step (issue 20): who the recipient is, before anything is written about them.
 * A decisive hint (ORCID, OpenAlex or arXiv author id) settles it; otherwise the name's profiles
 * in the directory are scored against the evidence (the pages the research read, the user's
 * affiliation or profile page, the stated interest) and the decision is confident, ambiguous
 * (ask the user), none-found, or no-source (the directory refused: identity not verified).
 * The output is plain JSON with the scores and the evidence, and every offered candidate's works,
 * so a resumed, retried or regenerated run reuses it without asking again.
 */
import { ErrorCode, PermanentError, RetryableError } from '../../errors.ts';
import { nameParts, sameAuthor } from '../clients/arxiv.ts';
import { parseOrcid } from '../identity/hint.ts';
import { titleKey } from '../identity/match.ts';
import { decide, IDENTITY_RULES, scoreCandidate, type PageText, type ScoringEvidence } from '../identity/score.ts';
import type { DirectoryAnswer, PageReader, ScholarDirectory } from '../ports.ts';
import type {
  IdentityCandidate,
  IdentityHint,
  IdentityOutput,
  Paper,
  ScholarAuthor,
  ScholarWork,
  StepResult,
} from '../types.ts';

export interface IdentityInput {
  recipientName: string;
  recipientInterest: string;
  hint?: IdentityHint | undefined;
  /** The pages the research read about the person (their text is the evidence). */
  pages?: readonly PageText[] | undefined;
}

export interface IdentityDeps {
  directory: ScholarDirectory;
  /** Reads the profile URL the user gave; without it the URL is not used. */
  pageReader?: Pick<PageReader, 'read'> | undefined;
  /** The papers of an arXiv author id (arxiv.org/a/…); without it such a hint cannot be checked. */
  arxivAuthorPapers?: ((arxivAuthorId: string, signal?: AbortSignal) => Promise<Paper[]>) | undefined;
  signal?: AbortSignal | undefined;
  /** Clock for "recent" (tests, the bench). */
  now?: (() => number) | undefined;
}

class Unavailable extends Error {}

/**
 * The identity step as the pipeline runs it: `resolveIdentity`, except that no directory (none
 * configured) or a directory still failing after the retries (OpenAlex down) is "identity not
 * verified" rather than a failed email: the email can be written without it.
 */
export async function identifyRecipient(
  input: IdentityInput,
  deps: Omit<IdentityDeps, 'directory'> & { directory?: ScholarDirectory | undefined },
): Promise<StepResult<IdentityOutput>> {
  const { directory } = deps;
  const arxivId = input.hint?.arxivAuthorId;
  // The composition roots build OpenAlex only with OPENALEX_API_KEY; an arXiv author id needs none.
  if (!directory) {
    if (arxivId && deps.arxivAuthorPapers)
      return byArxivFeed(input, arxivId, await deps.arxivAuthorPapers(arxivId, deps.signal));
    return notVerified(input, 'OPENALEX_API_KEY is not set');
  }
  try {
    return await resolveIdentity(input, { ...deps, directory });
  } catch (err) {
    if (!(err instanceof RetryableError) || deps.signal?.aborted) throw err;
    // OpenAlex down: an arXiv author id still says who the person is (its feed was read first).
    if (arxivId && deps.arxivAuthorPapers)
      return byArxivFeed(input, arxivId, await deps.arxivAuthorPapers(arxivId, deps.signal));
    return notVerified(input, `OpenAlex did not answer (${err.message})`);
  }
}

/**
 * An arXiv author id without a directory profile to match it to: the person is the author of that
 * feed (arXiv's authors claim their papers, so no namesake's are in it); confident, on the hint.
 */
function byArxivFeed(
  input: IdentityInput,
  arxivId: string,
  feed: readonly Paper[],
  others: readonly IdentityCandidate[] = [],
  warnings: string[] = [],
): StepResult<IdentityOutput> {
  const candidate = arxivCandidate(arxivId, feed, input.recipientName);
  if (!sameAuthor(candidate.author.name, input.recipientName)) {
    warnings.push(`The arXiv author id ${arxivId} belongs to ${candidate.author.name}; writing about them.`);
  }
  return {
    output: {
      decision: 'confident',
      basis: 'hint',
      chosenId: candidate.author.id,
      candidates: [candidate, ...others.map((c) => ({ ...c, works: c.works.slice(0, 3) }))].slice(
        0,
        IDENTITY_RULES.maxOffered,
      ),
      hint: input.hint ?? {},
      note: undefined,
    },
    warnings,
  };
}

/** The author of an arXiv feed as a candidate: the name on most of its papers (the recipient's form of it when it fits). */
export function arxivCandidate(arxivId: string, feed: readonly Paper[], recipientName: string): IdentityCandidate {
  const counts = new Map<string, number>();
  for (const paper of feed) for (const a of new Set(paper.authors)) counts.set(a, (counts.get(a) ?? 0) + 1);
  const byUse = [...counts].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const name = byUse.find((n) => sameAuthor(n, recipientName)) ?? byUse[0] ?? recipientName.trim();
  const works: ScholarWork[] = feed.slice(0, IDENTITY_RULES.worksPerCandidate).map((p) => ({
    id: `arxiv:${p.id}`,
    title: p.title,
    year: p.year,
    doi: `10.48550/arxiv.${p.id.toLowerCase()}`,
    arxivId: p.id,
    url: p.url,
    authors: p.authors,
    authorInstitutions: [],
  }));
  return {
    author: {
      id: `arxiv:${arxivId}`,
      name,
      alternativeNames: byUse.filter((n) => n !== name && sameAuthor(n, name)).slice(0, 10),
      worksCount: feed.length,
      citedByCount: 0,
      institutions: [],
      affiliations: [],
      topics: [],
    },
    score: 0,
    evidence: [{ kind: 'hint', detail: `arXiv author id ${arxivId} (${feed.length} papers claimed)`, points: 0 }],
    works,
    merged: false,
    confirmedInstitutions: [],
  };
}

/** The output when the directory could not be asked: the email goes on, and says so. */
function notVerified(input: IdentityInput, why: string): StepResult<IdentityOutput> {
  return {
    output: {
      decision: 'no-source',
      basis: 'directory',
      candidates: [],
      hint: input.hint ?? {},
      note: `identity not verified: ${why}`,
    },
    warnings: [`Who ${input.recipientName.trim()} is could not be checked: ${why}.`],
  };
}

/** The answer's value, or an `Unavailable` thrown to end the step with `no-source`. */
function served<T>(answer: DirectoryAnswer<T>): T {
  if (!answer.ok) throw new Unavailable(answer.unavailable);
  return answer.value;
}

/** Resolves who the recipient is. Throws `PermanentError` (invalid_input) for an id the directory does not know. */
export async function resolveIdentity(input: IdentityInput, deps: IdentityDeps): Promise<StepResult<IdentityOutput>> {
  const hint = input.hint ?? {};
  const name = input.recipientName.trim();
  const warnings: string[] = [];
  const base = { hint, chosenId: undefined, candidates: [] as IdentityCandidate[], note: undefined };
  // An arXiv author id is read first: an id arXiv does not know fails the step before anything else.
  const feed =
    hint.arxivAuthorId && deps.arxivAuthorPapers
      ? await deps.arxivAuthorPapers(hint.arxivAuthorId, deps.signal)
      : undefined;
  try {
    const ev: ScoringEvidence = {
      interest: input.recipientInterest,
      hint,
      pages: input.pages ?? [],
      profilePage: await readProfile(hint, deps, warnings),
      year: new Date(deps.now?.() ?? Date.now()).getUTCFullYear(),
    };
    // An ORCID on the profile page the user gave is as good as the ORCID itself.
    const orcid = hint.orcid ?? orcidIn(ev.profilePage?.text);
    if (orcid || hint.openalexId) {
      const id = orcid ? { orcid } : { openalex: hint.openalexId! };
      const author = served(await deps.directory.getAuthor(id, { signal: deps.signal }));
      if (!author) {
        const what = orcid ? `ORCID iD ${orcid}` : `author id ${hint.openalexId}`;
        throw new PermanentError(
          ErrorCode.InvalidInput,
          `OpenAlex has no author with the ${what}: check it, or leave it out and Scribe will find the person by name.`,
          { service: 'OpenAlex' },
        );
      }
      if (![author.name, ...author.alternativeNames].some((n) => sameAuthor(n, name))) {
        warnings.push(`The ${orcid ? 'ORCID iD' : 'author id'} given belongs to ${author.name}; writing about them.`);
      }
      const [candidate] = await scoreAll([author], ev, deps);
      return {
        output: { ...base, decision: 'confident', basis: 'hint', chosenId: author.id, candidates: [candidate!] },
        warnings,
      };
    }

    // Titles ("Prof.", "Dr.") are not part of anyone's name in the directory.
    const query = nameParts(name).join(' ') || name;
    const found = served(await deps.directory.searchAuthors(query, { limit: 10, signal: deps.signal }));
    const namesakes = found
      .filter((a) => [a.name, ...a.alternativeNames].some((n) => sameAuthor(n, name)))
      .slice(0, IDENTITY_RULES.maxCandidates);
    if (namesakes.length === 0 && feed && hint.arxivAuthorId) return byArxivFeed(input, hint.arxivAuthorId, feed);
    if (namesakes.length === 0) {
      return {
        output: {
          ...base,
          decision: 'none-found',
          basis: 'directory',
          note: `identity not verified: OpenAlex has no profile of ${name}`,
        },
        warnings,
      };
    }
    const scored = await scoreAll(namesakes, ev, deps);

    if (hint.arxivAuthorId) {
      const chosen = byArxivAuthor(hint.arxivAuthorId, feed, scored, warnings);
      // No profile shares its papers: the feed's author is the person all the same.
      if (!chosen && feed) return byArxivFeed(input, hint.arxivAuthorId, feed, scored, warnings);
      if (chosen) {
        return {
          output: {
            ...base,
            decision: 'confident',
            basis: 'hint',
            chosenId: chosen.author.id,
            candidates: offered(scored, chosen),
          },
          warnings,
        };
      }
    }
    const { decision, ranked } = decide(scored);
    const chosen = decision === 'confident' ? ranked[0] : undefined;
    return {
      output: {
        ...base,
        decision,
        basis: 'scores',
        chosenId: chosen?.author.id,
        candidates: offered(ranked, chosen),
      },
      warnings,
    };
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err;
    if (feed && hint.arxivAuthorId) return byArxivFeed(input, hint.arxivAuthorId, feed);
    return notVerified(input, err.message);
  }
}

async function scoreAll(
  authors: readonly ScholarAuthor[],
  ev: ScoringEvidence,
  deps: IdentityDeps,
): Promise<IdentityCandidate[]> {
  const works = await Promise.all(
    authors.map(async (a) =>
      served(await deps.directory.listWorks(a.id, { limit: IDENTITY_RULES.worksPerCandidate, signal: deps.signal })),
    ),
  );
  return authors.map((a, i) => scoreCandidate(trimAuthor(a), works[i] ?? [], ev));
}

/**
 * The candidates kept on the record, best first: every offered one keeps its works while the
 * question may still be asked; once someone is chosen the others keep three (for the record).
 */
function offered(ranked: readonly IdentityCandidate[], chosen: IdentityCandidate | undefined): IdentityCandidate[] {
  const top = chosen ? [chosen, ...ranked.filter((c) => c !== chosen)] : [...ranked];
  return top
    .slice(0, IDENTITY_RULES.maxOffered)
    .map((c) => (chosen && c !== chosen ? { ...c, works: c.works.slice(0, 3) } : c));
}

/** A profile cut to what the record needs (a merged profile can list hundreds of institutions). */
function trimAuthor(a: ScholarAuthor): ScholarAuthor {
  const newest = (x: { years: number[] }) => Math.max(0, ...x.years);
  return {
    ...a,
    alternativeNames: a.alternativeNames.slice(0, 10),
    affiliations: [...a.affiliations].sort((x, y) => newest(y) - newest(x)).slice(0, 15),
    topics: a.topics.slice(0, 10),
  };
}

/** The candidate whose works include the most of the arXiv author's papers; none when no paper is shared. */
function byArxivAuthor(
  id: string,
  papers: readonly Paper[] | undefined,
  scored: readonly IdentityCandidate[],
  warnings: string[],
): IdentityCandidate | undefined {
  if (!papers) {
    warnings.push(`The arXiv author id ${id} could not be checked here; the person was found by name.`);
    return undefined;
  }
  const ids = new Set(papers.map((p) => p.id));
  const titles = new Set(papers.map((p) => titleKey(p.title)));
  const shared = scored.map((c) => ({
    c,
    n: c.works.filter((w) => (w.arxivId && ids.has(w.arxivId)) || titles.has(titleKey(w.title))).length,
  }));
  const best = shared.sort((a, b) => b.n - a.n)[0];
  if (!best || best.n === 0) return undefined;
  return best.c;
}

async function readProfile(hint: IdentityHint, deps: IdentityDeps, warnings: string[]): Promise<PageText | undefined> {
  if (!hint.profileUrl || !deps.pageReader) return undefined;
  try {
    const page = await deps.pageReader.read(hint.profileUrl, { signal: deps.signal });
    return { url: page.finalUrl, title: page.title, text: page.text };
  } catch (err) {
    warnings.push(`The profile page ${hint.profileUrl} could not be read (${(err as Error).message}).`);
    return undefined;
  }
}

/** The first valid ORCID iD written in a text (a profile page), if any. */
export function orcidIn(text: string | undefined): string | undefined {
  for (const m of text?.matchAll(/\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b/g) ?? []) {
    const parsed = parseOrcid(m[0]);
    if ('orcid' in parsed) return parsed.orcid;
  }
  return undefined;
}
