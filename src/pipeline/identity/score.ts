/**
 * Scoring who a recipient is, from evidence Scribe already has: each candidate profile gets points
 * for an ORCID found on a page about the person, an institution the user named or the pages
 * mention, topics and recent titles that share the stated interest's words, and recent activity.
 * Every point comes with a line of evidence, stored on the generation. Pure: no I/O.
 */
import { terms } from '../rank.ts';
import type {
  IdentityCandidate,
  IdentityDecision,
  IdentityEvidence,
  IdentityHint,
  ScholarAuthor,
  ScholarWork,
} from '../types.ts';
import { affiliationNames, institutionsOf, mentionsInstitution } from './match.ts';

/** The rules' numbers in one place; the bench (`npm run bench -- identity`) measures them. */
export const IDENTITY_RULES = {
  /** Candidates scored (each costs one works request). */
  maxCandidates: 6,
  /** Candidates kept on the record and offered in the question. */
  maxOffered: 4,
  /** Works listed per candidate. */
  worksPerCandidate: 50,
  /** A confident choice needs at least this score … */
  confidentMin: 1.5,
  /** … and this lead over the runner-up. */
  margin: 1.0,
  points: {
    orcidOnPage: 5,
    hintCurrentInstitution: 3,
    hintPastInstitution: 2,
    profileInstitution: 2.5,
    /** Times the share of pages that mention one of the candidate's institutions. */
    pagesInstitution: 2,
    /** Times the share of the interest's words found in the candidate's topics and titles. */
    topic: 2.5,
    recentActivity: 0.5,
    mergedProfile: -1,
  },
  /** Works in the last N years count as recent activity. */
  recentYears: 3,
  /** Institutions held within this many years count for the pages. */
  institutionYears: 6,
  /** A profile with more works than this is taken as several people merged. */
  mergedWorks: 500,
} as const;

export interface PageText {
  url: string;
  title: string;
  text: string;
}

export interface ScoringEvidence {
  interest: string;
  hint: IdentityHint;
  /** Pages the research read about the person. */
  pages: readonly PageText[];
  /** The profile page the user gave, read. */
  profilePage?: PageText | undefined;
  /** This year (recent activity is counted from it). */
  year: number;
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).hostname : url);

/** True when the profile looks like several people: very many works, or three institutions at once lately. */
export function looksMerged(author: ScholarAuthor, year: number): boolean {
  if (author.worksCount > IDENTITY_RULES.mergedWorks) return true;
  const concurrent = author.affiliations.filter((a) => a.years.some((y) => y >= year - 2)).length;
  return concurrent >= 3;
}

/** Scores one candidate; the evidence lines say why. */
export function scoreCandidate(
  author: ScholarAuthor,
  works: readonly ScholarWork[],
  ev: ScoringEvidence,
): IdentityCandidate {
  const p = IDENTITY_RULES.points;
  const evidence: IdentityEvidence[] = [];
  const all = ev.profilePage ? [ev.profilePage, ...ev.pages] : ev.pages;

  if (author.orcid) {
    const page = all.find((pg) => pg.text.toUpperCase().includes(author.orcid!) || pg.url.includes(author.orcid!));
    if (page)
      evidence.push({ kind: 'orcid', detail: `ORCID ${author.orcid} on ${hostOf(page.url)}`, points: p.orcidOnPage });
  }

  const current = author.institutions.map((i) => i.name);
  const recent = institutionsOf(author, ev.year - IDENTITY_RULES.institutionYears);
  if (ev.hint.affiliation) {
    const said = ev.hint.affiliation;
    const now = current.find((i) => affiliationNames(said, i));
    const before = now ? undefined : institutionsOf(author).find((i) => affiliationNames(said, i));
    if (now) evidence.push({ kind: 'hint', detail: `at ${now}, as you said`, points: p.hintCurrentInstitution });
    else if (before)
      evidence.push({ kind: 'hint', detail: `was at ${before}, as you said`, points: p.hintPastInstitution });
  }
  if (ev.profilePage) {
    const named = recent.find((i) => mentionsInstitution(ev.profilePage!.text, i));
    if (named) {
      evidence.push({
        kind: 'institution',
        detail: `${named} on the profile page you gave`,
        points: p.profileInstitution,
      });
    }
  }
  if (ev.pages.length > 0) {
    const mentioning = ev.pages.filter((pg) => recent.some((i) => mentionsInstitution(`${pg.title} ${pg.text}`, i)));
    if (mentioning.length > 0) {
      const named = recent.find((i) => mentioning.some((pg) => mentionsInstitution(`${pg.title} ${pg.text}`, i)));
      evidence.push({
        kind: 'institution',
        detail: `${named} on ${mentioning.length} of ${ev.pages.length} pages found`,
        points: round((p.pagesInstitution * mentioning.length) / ev.pages.length),
      });
    }
  }

  const wanted = [...new Set(terms(ev.interest))];
  if (wanted.length > 0) {
    const profile = new Set(
      terms(
        [
          ...author.topics.flatMap((t) => [t.name, t.subfield ?? '', t.field ?? '']),
          ...works.slice(0, 25).map((w) => w.title),
        ].join(' '),
      ),
    );
    const shared = wanted.filter((t) => profile.has(t));
    if (shared.length > 0) {
      evidence.push({
        kind: 'topic',
        detail: `works on ${shared.join(', ')}`,
        points: round((p.topic * shared.length) / wanted.length),
      });
    }
  }

  const latest = Math.max(0, ...works.map((w) => w.year ?? 0));
  if (latest >= ev.year - IDENTITY_RULES.recentYears) {
    evidence.push({ kind: 'activity', detail: `published in ${latest}`, points: p.recentActivity });
  }
  const merged = looksMerged(author, ev.year);
  if (merged) {
    evidence.push({
      kind: 'activity',
      detail: `profile of ${author.worksCount} works may merge several people`,
      points: p.mergedProfile,
    });
  }
  const score = round(evidence.reduce((sum, e) => sum + e.points, 0));
  return { author, score, evidence, works: [...works], merged, confirmedInstitutions: confirmed(author, ev) };
}

/** Best first; confident only with enough evidence and a clear lead over the runner-up. */
export function decide(candidates: readonly IdentityCandidate[]): {
  decision: IdentityDecision;
  ranked: IdentityCandidate[];
} {
  const ranked = [...candidates].sort(
    (a, b) => b.score - a.score || b.author.worksCount - a.author.worksCount || a.author.id.localeCompare(b.author.id),
  );
  const [top, second] = ranked;
  if (!top) return { decision: 'none-found', ranked };
  const clear =
    top.score >= IDENTITY_RULES.confidentMin && (!second || top.score - second.score >= IDENTITY_RULES.margin);
  return { decision: clear ? 'confident' : 'ambiguous', ranked };
}

/**
 * The profile's institutions named by the strongest evidence there is: the user's affiliation,
 * else the profile page they gave, else those named by the most pages found (a page about a
 * namesake names one too, so a merged profile must not take every institution any page names).
 */
function confirmed(author: ScholarAuthor, ev: ScoringEvidence): string[] {
  const all = institutionsOf(author);
  const said = ev.hint.affiliation;
  const named = said ? all.filter((i) => affiliationNames(said, i)) : [];
  if (named.length > 0) return named;
  const onProfile = ev.profilePage ? all.filter((i) => mentionsInstitution(ev.profilePage!.text, i)) : [];
  if (onProfile.length > 0) return onProfile;
  const counts = all.map((i) => ev.pages.filter((pg) => mentionsInstitution(`${pg.title} ${pg.text}`, i)).length);
  const most = Math.max(0, ...counts);
  return most === 0 ? [] : all.filter((_, k) => counts[k] === most);
}

const round = (n: number) => Math.round(n * 100) / 100;
