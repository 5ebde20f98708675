/**
 * What the person asking may say about who they mean: an affiliation, an ORCID iD, an OpenAlex or
 * arXiv author id, a profile URL. Checked before any work, each problem in words that say what
 * was wrong and what is expected.
 */
import type { IdentityHint } from '../types.ts';

export interface RawIdentityHint {
  affiliation?: string | undefined;
  orcid?: string | undefined;
  /** An OpenAlex ("A5023888391", https://openalex.org/A…) or arXiv ("lovelace_a_1", https://arxiv.org/a/…) author id. */
  authorId?: string | undefined;
  profileUrl?: string | undefined;
}

export type HintCheck = { ok: true; hint: IdentityHint } | { ok: false; problems: string[] };

/**
 * The ISO 7064 MOD 11-2 check character ORCID uses over the first 15 digits: "0"–"9" or "X".
 * https://support.orcid.org/hc/en-us/articles/360006897674
 */
export function orcidCheckCharacter(first15: string): string {
  let total = 0;
  for (const digit of first15) total = (total + Number(digit)) * 2;
  const result = (12 - (total % 11)) % 11;
  return result === 10 ? 'X' : String(result);
}

/** A bare ORCID iD ("0000-0002-1825-0097") from its usual forms, or a message saying what is wrong. */
export function parseOrcid(text: string): { orcid: string } | { problem: string } {
  const raw = text
    .trim()
    .replace(/^https?:\/\/(www\.)?orcid\.org\//i, '')
    .replace(/^orcid:\s*/i, '');
  const compact = raw.replace(/[-\s]/g, '').toUpperCase();
  if (!/^\d{15}[\dX]$/.test(compact)) {
    return {
      problem: `"${text.trim()}" is not an ORCID iD: expected 16 characters like 0000-0002-1825-0097 (digits, the last may be X).`,
    };
  }
  const orcid = compact.match(/.{4}/g)!.join('-');
  const expected = orcidCheckCharacter(compact.slice(0, 15));
  if (compact[15] !== expected) {
    return {
      problem: `The ORCID iD ${orcid} is mistyped: its last character should be ${expected} by ORCID's checksum. Copy it from the person's ORCID page.`,
    };
  }
  return { orcid };
}

const ARXIV_AUTHOR = /^[a-z][a-z0-9-]*_[a-z]_\d+$/;

/** An author id in any of its forms, or a message. */
export function parseAuthorId(
  text: string,
): { openalexId: string } | { arxivAuthorId: string } | { orcid: string } | { problem: string } {
  const t = text.trim();
  const openalex = /^(?:https?:\/\/(?:www\.|api\.)?openalex\.org\/(?:authors\/)?)?([aA]\d{4,})$/.exec(t);
  if (openalex) return { openalexId: openalex[1]!.toUpperCase() };
  if (/^(?:https?:\/\/(?:www\.)?openalex\.org\/)?[wW]\d{4,}$/.test(t)) {
    return { problem: `"${t}" is an OpenAlex work id; an author id starts with A (for example A5023888391).` };
  }
  const arxiv = /^(?:https?:\/\/(?:www\.)?arxiv\.org\/a\/)?([^/?#]+?)(?:\.(?:html|atom2?|json))?\/?$/i.exec(t);
  const id = arxiv?.[1]?.toLowerCase();
  if (id && ARXIV_AUTHOR.test(id)) return { arxivAuthorId: id };
  // arXiv also serves author pages under the person's ORCID iD (arxiv.org/a/0000-…).
  if (id && /^\d{4}-/.test(id)) return parseOrcid(id);
  return {
    problem: `"${t}" is not an author id: expected an OpenAlex id like A5023888391 or an arXiv author id like lovelace_a_1.`,
  };
}

/** Checks every part of a hint; all problems at once. Empty parts are absent. */
export function validateIdentityHint(raw: RawIdentityHint): HintCheck {
  const problems: string[] = [];
  const hint: IdentityHint = {};
  const affiliation = raw.affiliation?.replace(/\s+/g, ' ').trim();
  if (affiliation) {
    if (affiliation.length > 200) problems.push('The affiliation is too long: at most 200 characters.');
    else if (!/\p{L}/u.test(affiliation)) problems.push(`"${affiliation}" is not an affiliation: expected a name.`);
    else hint.affiliation = affiliation;
  }
  if (raw.orcid?.trim()) {
    const orcid = parseOrcid(raw.orcid);
    if ('problem' in orcid) problems.push(orcid.problem);
    else hint.orcid = orcid.orcid;
  }
  if (raw.authorId?.trim()) {
    const id = parseAuthorId(raw.authorId);
    if ('problem' in id) problems.push(id.problem);
    else if ('orcid' in id) {
      if (hint.orcid && hint.orcid !== id.orcid) problems.push('The author id and the ORCID iD name different people.');
      hint.orcid = id.orcid;
    } else Object.assign(hint, id);
  }
  const profile = raw.profileUrl?.trim();
  if (profile) {
    const checked = checkProfileUrl(profile);
    if (typeof checked === 'string') problems.push(checked);
    else {
      // A profile link that is itself an identifier counts as that identifier.
      const asId = /orcid\.org\//i.test(profile)
        ? parseOrcid(profile)
        : /openalex\.org\/|arxiv\.org\/a\//i.test(profile)
          ? parseAuthorId(profile)
          : undefined;
      if (asId && 'problem' in asId) problems.push(asId.problem);
      else if (asId) Object.assign(hint, asId);
      else hint.profileUrl = checked.href;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, hint };
}

/** What a word of the form's field is: an identifier (which), a word of an affiliation, or an id of no known shape. */
type TokenKind = keyof RawIdentityHint | 'word' | 'unknown';

function tokenKind(token: string): TokenKind {
  if (/^(https?:\/\/)?(www\.)?orcid\.org\/|^orcid:|^\d{4}-?\d{4}-?\d{3}/i.test(token)) return 'orcid';
  if (/^https?:\/\//i.test(token)) return 'profileUrl';
  if (/^(www\.|api\.)?(openalex\.org|arxiv\.org\/a)\//i.test(token)) return 'authorId';
  if (/^[aAwW]\d{4,}$/.test(token) || ARXIV_AUTHOR.test(token)) return 'authorId';
  // Looks like an identifier (an underscore, a run of digits, "A12"), but of no shape Scribe knows.
  if (/_/.test(token) || /\d{5,}/.test(token) || /^[aAwW]\d+$/.test(token)) return 'unknown';
  return 'word';
}

const SEPARATOR = /[\s,;|·]+/;

/**
 * One free-text "who do you mean?" entry (the forms' optional field): every ORCID iD, author id
 * or link in it is read as such; the words left are the affiliation ("MIT CSAIL, 0000-0002-1825-0097"
 * is both). A word that looks like an identifier of no known shape ("li_j", "A12") is a problem,
 * not an affiliation: an id mistyped must not silently become a search by name.
 */
export function identityHintFromText(text: string): HintCheck {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '') return { ok: true, hint: {} };
  const problems: string[] = [];
  const hint: IdentityHint = {};
  let rest = t;
  for (const token of t.split(SEPARATOR).filter((w) => w !== '')) {
    const kind = tokenKind(token);
    if (kind === 'word') continue;
    rest = rest.replace(token, ' ');
    if (kind === 'unknown') {
      problems.push(
        `"${token}" is not an ORCID iD (like 0000-0002-1825-0097), an OpenAlex author id (like A5023888391) or an arXiv author id (like lovelace_a_1).`,
      );
      continue;
    }
    // A link typed without its scheme ("orcid.org/0000-…", "arxiv.org/a/li_j_1").
    const value = /^(www\.|api\.)?(orcid|openalex|arxiv)\.org\//i.test(token) ? `https://${token}` : token;
    const check = validateIdentityHint({ [kind]: value });
    if (!check.ok) {
      problems.push(...check.problems);
      continue;
    }
    for (const [key, value] of Object.entries(check.hint) as [keyof IdentityHint, string][]) {
      if (hint[key] !== undefined && hint[key] !== value)
        problems.push(`Two different ${HINT_NAMES[key]}s are given; keep one.`);
      else hint[key] = value;
    }
  }
  const affiliation = rest
    .replace(/\s*([,;|·])(\s*[,;|·])*\s*/g, '$1 ')
    .replace(/^[\s,;|·]+|[\s,;|·]+$/g, '')
    .trim();
  if (affiliation !== '') {
    const check = validateIdentityHint({ affiliation });
    if (check.ok) hint.affiliation = check.hint.affiliation;
    else problems.push(...check.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, hint };
}

const HINT_NAMES: Record<keyof IdentityHint, string> = {
  affiliation: 'affiliation',
  orcid: 'ORCID iD',
  openalexId: 'OpenAlex author id',
  arxivAuthorId: 'arXiv author id',
  profileUrl: 'profile link',
};

function checkProfileUrl(text: string): URL | string {
  const bad = `"${text}" is not a profile link: expected a web address starting with https:// (for example the person's university page).`;
  if (!URL.canParse(text)) return bad;
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return bad;
  if (url.username || url.password) return `"${url.host}" link carries a user name or password; give the plain link.`;
  if (!url.hostname.includes('.')) return bad;
  return url;
}
