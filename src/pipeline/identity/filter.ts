/**
 * What an identity decision does to the rest of the pipeline, as pure functions: which papers the
 * composer may use, which web sources are about someone else, the "About: …" line, the "Which
 * Jun Li?" question and applying its answer.
 */
import { PAPERS_KEPT, rankPapers } from '../rank.ts';
import type { IdentityCandidate, IdentityOutput, Paper, ScholarWork } from '../types.ts';
import { institutionsOf, mentionsInstitution, titleKey } from './match.ts';

export interface PaperFilterOptions {
  /** The stated interest (and search terms): papers are ranked by it. */
  query?: readonly string[] | undefined;
  /** Papers kept. Default: the arXiv step's five. */
  limit?: number | undefined;
}

/** The candidate the identity settled on, if any. */
export function chosenCandidate(identity: IdentityOutput): IdentityCandidate | undefined {
  return identity.decision === 'confident'
    ? identity.candidates.find((c) => c.author.id === identity.chosenId)
    : undefined;
}

/**
 * The chosen person's works. A merged profile holds other people's works too: only those where
 * the person gave a confirmed institution are kept (or, with none confirmed, those about the
 * interest).
 */
export function personWorks(identity: IdentityOutput, query: readonly string[] = []): ScholarWork[] {
  const chosen = chosenCandidate(identity);
  if (!chosen) return [];
  if (!chosen.merged) return chosen.works;
  const confirmed = chosen.confirmedInstitutions;
  if (confirmed.length > 0) {
    return chosen.works.filter((w) =>
      w.authorInstitutions.some((i) => confirmed.some((c) => i === c || mentionsInstitution(i, c))),
    );
  }
  const relevant = new Set(
    rankPapers(chosen.works.map(workAsPaper), query)
      .filter((r) => r.score > 0)
      .map((r) => r.paper.id),
  );
  return chosen.works.filter((w) => relevant.has(workAsPaper(w).id));
}

/** A directory work in the shape of an arXiv paper (its arXiv id when it has one). */
export function workAsPaper(work: ScholarWork): Paper {
  return {
    id: work.arxivId ?? work.doi ?? work.id,
    title: work.title,
    authors: work.authors,
    year: work.year ?? 0,
    abstract: work.venue ? `Published in ${work.venue}.` : '',
    url: work.arxivId ? `https://arxiv.org/abs/${work.arxivId}` : (work.url ?? `https://openalex.org/${work.id}`),
    categories: [],
    ...(work.venue ? { venue: work.venue } : {}),
  };
}

/**
 * The papers the composer may use.
 * - confident: arXiv papers that are one of the person's works (by arXiv id, DOI or title), plus
 *   the person's works that are not on arXiv; ranked by the interest;
 * - none-found / no-source (not verified): arXiv papers that mention the interest, none otherwise;
 * - ambiguous, or "None of these": none.
 */
export function filterPapers(
  papers: readonly Paper[],
  identity: IdentityOutput,
  options: PaperFilterOptions = {},
): Paper[] {
  const query = options.query ?? [];
  const limit = options.limit ?? PAPERS_KEPT;
  if (identity.decision === 'ambiguous' || (identity.decision === 'none-found' && identity.basis === 'choice')) {
    return [];
  }
  if (identity.decision !== 'confident') {
    return rankPapers(papers, query)
      .filter((r) => r.score > 0)
      .slice(0, limit)
      .map((r) => r.paper);
  }
  const works = personWorks(identity, query);
  const byArxiv = new Set(works.flatMap((w) => w.arxivId ?? []));
  const byDoi = new Set(works.flatMap((w) => w.doi ?? []));
  const byTitle = new Set(works.map((w) => titleKey(w.title)));
  const workOf = (p: Paper) =>
    works.find(
      (w) =>
        w.arxivId === p.id ||
        w.doi === `10.48550/arxiv.${p.id.toLowerCase()}` ||
        titleKey(w.title) === titleKey(p.title),
    );
  // An arXiv paper that is one of the person's works carries the work's venue (arXiv's feed has none).
  const kept = papers
    .filter(
      (p) => byArxiv.has(p.id) || byDoi.has(`10.48550/arxiv.${p.id.toLowerCase()}`) || byTitle.has(titleKey(p.title)),
    )
    .map((p) => {
      const venue = p.venue ?? workOf(p)?.venue;
      return venue ? { ...p, venue } : p;
    });
  const have = new Set(kept.flatMap((p) => [p.id, titleKey(p.title)]));
  const more = works.filter((w) => !have.has(w.arxivId ?? '') && !have.has(titleKey(w.title))).map(workAsPaper);
  return rankPapers([...kept, ...more], query)
    .slice(0, limit)
    .map((r) => r.paper);
}

export interface SourceLike {
  url: string;
  title: string;
  text?: string | undefined;
}

/**
 * Drops web sources about someone else, before the summary: a page naming another candidate's
 * institution (or ORCID) and none of the person's. After "None of these" every candidate is
 * someone else. Otherwise, without a confident identity, all are kept.
 */
export function filterSources<T extends SourceLike>(
  sources: readonly T[],
  identity: IdentityOutput,
): { kept: T[]; dropped: { source: T; reason: string }[] } {
  const chosen = chosenCandidate(identity);
  // "None of these": every profile offered is someone else, so pages about any of them go.
  const noneOfThese = identity.decision === 'none-found' && identity.basis === 'choice';
  if (!chosen && !noneOfThese) return { kept: [...sources], dropped: [] };
  const mine = chosen ? institutionsOf(chosen.author) : [];
  const others = identity.candidates.filter((c) => c !== chosen);
  const kept: T[] = [];
  const dropped: { source: T; reason: string }[] = [];
  for (const source of sources) {
    const text = `${source.title} ${source.text ?? ''}`;
    const aboutMine =
      chosen !== undefined &&
      ((chosen.author.orcid !== undefined && text.includes(chosen.author.orcid)) ||
        mine.some((i) => mentionsInstitution(text, i)));
    const other = aboutMine
      ? undefined
      : others.find(
          (c) =>
            (c.author.orcid !== undefined && text.includes(c.author.orcid)) ||
            institutionsOf(c.author).some((i) => !mine.includes(i) && mentionsInstitution(text, i)),
        );
    if (other) {
      const where = institutionsOf(other.author).find((i) => mentionsInstitution(text, i)) ?? 'another profile';
      dropped.push({ source, reason: `about another ${other.author.name} (${where})` });
    } else kept.push(source);
  }
  return { kept, dropped };
}

/** "Jun Li · MIT · ORCID 0000-…", or a note that the identity was not verified. */
export function describeIdentity(identity: IdentityOutput, recipientName?: string): string {
  const chosen = chosenCandidate(identity);
  if (!chosen) {
    const name = recipientName ?? identity.candidates[0]?.author.name ?? 'the recipient';
    const why =
      identity.note ??
      (identity.decision === 'ambiguous'
        ? `identity not verified: ${identity.candidates.length} profiles of this name fit`
        : 'identity not verified');
    return `About: ${name} · ${why}`;
  }
  const a = chosen.author;
  const where = chosen.confirmedInstitutions[0] ?? a.institutions[0]?.name;
  // A person known only by their arXiv author id (no directory profile): "arXiv author li_j_1".
  const id = a.orcid
    ? `ORCID ${a.orcid}`
    : a.id.startsWith('arxiv:')
      ? `arXiv author ${a.id.slice('arxiv:'.length)}`
      : `OpenAlex ${a.id}`;
  const parts = [a.name, where, id].filter((p) => p);
  return `About: ${parts.join(' · ')}`;
}

/** One line per candidate for "Which Jun Li?": institution · main topic · one recent title. */
export function candidateLabel(c: IdentityCandidate): string {
  const recent = c.works.find((w) => w.title);
  const parts = [
    c.author.institutions[0]?.name ?? institutionsOf(c.author)[0] ?? 'institution unknown',
    c.author.topics[0]?.name ?? 'topics unknown',
    recent ? `“${recent.title}”${recent.year ? ` (${recent.year})` : ''}` : undefined,
  ];
  return parts.filter((p) => p).join(' · ');
}

export const NONE_OF_THESE = 'none';

/** The question to ask when the identity is ambiguous; undefined otherwise. */
export function identityQuestion(
  identity: IdentityOutput,
  recipientName: string,
): { question: string; options: { id: string; label: string }[]; none: string } | undefined {
  if (identity.decision !== 'ambiguous') return undefined;
  return {
    question: `Which ${recipientName}?`,
    options: identity.candidates.map((c) => ({ id: c.author.id, label: candidateLabel(c) })),
    none: 'None of these',
  };
}

/**
 * Applies the person's answer to "Which …?": a candidate's id makes it confident on them;
 * `NONE_OF_THESE` means no profile is the person, and the email is written without papers.
 * An id that was not offered throws (a stale button).
 */
export function chooseIdentity(identity: IdentityOutput, choice: string): IdentityOutput {
  if (choice === NONE_OF_THESE) {
    return {
      ...identity,
      decision: 'none-found',
      basis: 'choice',
      chosenId: undefined,
      note: 'no papers used: you said none of the candidates is the person',
    };
  }
  const chosen = identity.candidates.find((c) => c.author.id === choice);
  if (!chosen) throw new Error(`${choice} was not one of the candidates offered`);
  return {
    ...identity,
    decision: 'confident',
    basis: 'choice',
    chosenId: chosen.author.id,
    note: undefined,
  };
}
