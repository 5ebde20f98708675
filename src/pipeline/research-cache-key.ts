/**
 * The research cache key: the same recipient, interest and template type share research, however
 * the name was typed ("Ada  Lovelace", "ada lovelace", "Ádá Lovelace").
 */
import { createHash } from 'node:crypto';
import type { TemplateType } from './types.ts';

/** Lowercased, trimmed, whitespace collapsed, diacritics removed. */
export function normaliseForKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * sha256 (hex) of the normalised name, interest and template type. The parts are JSON-encoded
 * together so no separator can make two different triples collide; the "v1" tag lets a change of
 * the cached shape start afresh.
 */
export function researchCacheKey(parts: {
  recipientName: string;
  recipientInterest: string;
  templateType: TemplateType;
}): string {
  const material = JSON.stringify([
    'v1',
    normaliseForKey(parts.recipientName),
    normaliseForKey(parts.recipientInterest),
    parts.templateType,
  ]);
  return createHash('sha256').update(material).digest('hex');
}
