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

/**
 * One free-text "who do you mean?" entry (the form's optional field): an ORCID iD, an author id
 * or a link is read as such; anything else is an affiliation.
 */
export function identityHintFromText(text: string): HintCheck {
  const t = text.trim();
  if (t === '') return { ok: true, hint: {} };
  if (/^(https?:\/\/)?(www\.)?orcid\.org\/|^orcid:|^\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx]$/i.test(t)) {
    return validateIdentityHint({ orcid: t });
  }
  if (/^https?:\/\//i.test(t)) return validateIdentityHint({ profileUrl: t });
  if (/^[aA]\d{4,}$|^[wW]\d{4,}$/.test(t) || ARXIV_AUTHOR.test(t)) return validateIdentityHint({ authorId: t });
  return validateIdentityHint({ affiliation: t });
}

function checkProfileUrl(text: string): URL | string {
  const bad = `"${text}" is not a profile link: expected a web address starting with https:// (for example the person's university page).`;
  if (!URL.canParse(text)) return bad;
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return bad;
  if (url.username || url.password) return `"${url.host}" link carries a user name or password; give the plain link.`;
  if (!url.hostname.includes('.')) return bad;
  return url;
}
