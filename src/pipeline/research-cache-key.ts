/**
 * The research cache key: the same recipient, interest, template type and search terms share
 * research within one workspace or guild, however the name was typed ("Ada  Lovelace",
 * "ada lovelace", "Ádá Lovelace").
 *
 * Research is scoped because it is steered by the requester: the search terms come from their
 * template, so a key without the scope would let one workspace's template decide what another
 * workspace's email is based on.
 */
import { createHash } from 'node:crypto';
import type { IdentityHint, TemplateType } from './types.ts';

/**
 * Whose research it is: the chat platform and the Slack team / Discord guild. Where there is no
 * team (a direct message, the CLI: `teamId` is ''), the research is the user's own.
 */
export interface CacheScope {
  platform: string;
  teamId: string;
  /** The requester (our `users.id`); only used when `teamId` is ''. */
  userId: string;
}

/** Lowercased, trimmed, whitespace collapsed, diacritics removed. */
export function normaliseForKey(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The search terms as a set: normalised, empty ones dropped, duplicates removed, sorted. Order
 * does not matter to the searches (they are joined into one query), so it does not split the key.
 */
export function normaliseTerms(terms: readonly string[]): string[] {
  return [...new Set(terms.map(normaliseForKey).filter((t) => t !== ''))].sort();
}

/**
 * sha256 (hex) of the scope, the normalised name and interest, the template type and the search
 * terms. The parts are JSON-encoded together so no separator can make two different tuples
 * collide; the version tag lets a change of the key or of the cached shape start afresh ("v1"
 * keys, unscoped, are never looked up again; "v2" keys hold no identity record).
 */
export function researchCacheKey(
  parts: RecipientParts & { templateType: TemplateType; searchTerms: readonly string[] },
): string {
  const [scope, team, name, interest, hint] = recipientMaterial(parts);
  return sha256Json(['v3', scope, team, name, interest, parts.templateType, normaliseTerms(parts.searchTerms), hint]);
}

/** Who the research is about, in whose scope. */
interface RecipientParts {
  scope: CacheScope;
  recipientName: string;
  recipientInterest: string;
  /** Who the person asking means: another hint may be another person, so other research. */
  identityHint?: IdentityHint | undefined;
}

/**
 * The recipient alone, within the same scope: sha256 of the scope, the normalised name and
 * interest, and the identity hint — the research key without the template's type and terms, so
 * it is known before the template is parsed (`ResearchCache.holdsRecipient`).
 */
export function recipientCacheKey(parts: RecipientParts): string {
  return sha256Json(['r1', ...recipientMaterial(parts)]);
}

/** The platform, the team (or the user where there is none), the normalised name and interest, the hint. */
function recipientMaterial(parts: RecipientParts): [string, [string, string], string, string, string[]] {
  const { platform, teamId, userId } = parts.scope;
  return [
    platform,
    teamId === '' ? ['user', userId] : ['team', teamId],
    normaliseForKey(parts.recipientName),
    normaliseForKey(parts.recipientInterest),
    hintKey(parts.identityHint),
  ];
}

/** The parts JSON-encoded together (no separator can make two different tuples collide), hashed. */
function sha256Json(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The hint's fields in a fixed order, normalised; empty when there is none. */
function hintKey(hint: IdentityHint | undefined): string[] {
  const { affiliation, orcid, openalexId, arxivAuthorId, profileUrl } = hint ?? {};
  const parts = [affiliation, orcid, openalexId, arxivAuthorId, profileUrl].map((v) => (v ? normaliseForKey(v) : ''));
  return parts.some((p) => p !== '') ? parts : [];
}
