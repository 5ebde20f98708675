/**
 * Text matching for identity: does a page (or the user's "affiliation") mention an institution,
 * and do two titles name the same paper. Deliberately literal: a page that names an institution
 * by its full name, its distinctive words ("Tsinghua", "Oxford") or its acronym ("MIT") counts.
 */
import type { ScholarAuthor } from '../types.ts';

const GENERIC = new Set(
  'university universidad universidade universite universität universitat college institute institut institution school of the and for de da do di la le del der des fur für at in technology technological national state research center centre laboratory laboratories lab department faculty sciences science polytechnic hospital academy'.split(
    ' ',
  ),
);
const SMALL = new Set([
  'of',
  'the',
  'and',
  'for',
  'de',
  'da',
  'do',
  'di',
  'la',
  'le',
  'del',
  'der',
  'des',
  'at',
  'in',
  'fur',
  'für',
]);

const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** Lower-case words without accents. */
export const words = (s: string): string[] =>
  fold(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** "Massachusetts Institute of Technology" → "MIT"; undefined when shorter than 3 letters. */
export function acronymOf(name: string): string | undefined {
  const initials = name
    .split(/[^\p{L}]+/u)
    .filter((w) => w !== '' && !SMALL.has(fold(w)))
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return initials.length >= 3 ? initials : undefined;
}

/** The words that tell an institution apart ("University of Oxford" → ["oxford"]). */
export function distinctiveWords(name: string): string[] {
  return words(name).filter((w) => !GENERIC.has(w) && w.length > 1);
}

/**
 * True when `text` mentions the institution: its whole name, all of its distinctive words, or its
 * acronym as a word in capitals. An institution named only by generic words matches only whole.
 */
export function mentionsInstitution(text: string, institution: string): boolean {
  const folded = ` ${words(text).join(' ')} `;
  const whole = words(institution).join(' ');
  if (whole && folded.includes(` ${whole} `)) return true;
  const distinctive = distinctiveWords(institution);
  if (distinctive.length > 0 && distinctive.every((w) => folded.includes(` ${w} `))) return true;
  const acronym = acronymOf(institution);
  return acronym !== undefined && new RegExp(`(^|[^\\p{L}])${acronym}([^\\p{L}]|$)`, 'u').test(text);
}

/**
 * True when an affiliation the user typed names the institution: as a page would
 * (`mentionsInstitution`), or every telling word of what they typed is in its name ("UT Austin"
 * → "University of Texas at Austin"; "Lisbon" would not match "Universidade de Lisboa").
 */
export function affiliationNames(said: string, institution: string): boolean {
  if (mentionsInstitution(said, institution)) return true;
  const telling = distinctiveWords(said).filter((w) => w.length > 2);
  const have = new Set(words(institution));
  return telling.length > 0 && telling.every((w) => have.has(w));
}

/** Every institution a profile names: last known first, then its affiliations (newest first). */
export function institutionsOf(author: ScholarAuthor, sinceYear?: number): string[] {
  const past = [...author.affiliations]
    .filter((a) => sinceYear === undefined || a.years.length === 0 || Math.max(...a.years) >= sinceYear)
    .sort((a, b) => Math.max(0, ...b.years) - Math.max(0, ...a.years))
    .map((a) => a.institution.name);
  return [...new Set([...author.institutions.map((i) => i.name), ...past])];
}

/** Titles compared without case, accents, punctuation or spacing. */
export const titleKey = (title: string): string => words(title).join(' ');
