/**
 * The summariser's corpus: the sources' texts, each judged readable or not, and each given a fair
 * share of one character budget, so that one huge page cannot crowd out the others (issue 18.6).
 */
import zlib from 'node:zlib';
import { trimToSentence } from './chunk.ts';
import type { SourceText } from './sources.ts';

/** Why a text is not prose worth summarising. */
export type UnreadableReason = 'repeats itself' | 'not words' | 'encoded data';

/**
 * The three checks below, and the figures they were set from: the first 120,000 characters of
 * real prose, of the fake web's pages (test/fakes/pages.ts) and of filler (test/fakes/filler.ts);
 * test/pipeline/corpus.test.ts keeps each sample on its side of the line.
 *
 * - Repetition, as the deflate ratio (compressed bytes / UTF-8 bytes; a standard measure of
 *   redundancy). Prose compresses to 0.34–0.46 (GPL-3 0.34, docs/decisions.md 0.40, the Biome
 *   READMEs in Japanese and Chinese 0.43 and 0.46); the fixtures, which repeat one sentence with a
 *   counter, to 0.064–0.24 (the Latin-1 page 0.064, PROFILE_TEXT 0.095, the publications list
 *   0.11). Filler of 120,000 characters compresses to 0.0017 ("lorem lorem…"), 0.0040 (one line
 *   repeated), 0.0070 (the lorem ipsum paragraph repeated), 0.0066 (the fake web's /huge).
 *   Repetition compresses better the longer it runs (one repeated line: 0.073 at 1,000
 *   characters, 0.018 at 5,000), so a short repetitive page passes; it can take only its share.
 * - Words, as the share of letters (any script) among the characters that are not spaces. Prose:
 *   0.85–0.97 (Chinese 0.85, English 0.88–0.97); a number table 0.00, hex dumps 0.37.
 * - Encoded data, as the share of characters in tokens of 40 or more base64 or hex characters
 *   (`[A-Za-z0-9+/=_-]`): base64 and hex blobs 1.0 (with or without MIME line breaks), prose 0 to
 *   0.02 (git's release notes, with commit ids). Base64 passes the other two checks: it has
 *   letters (0.81) and compresses worse than prose (0.75).
 */
export const READABLE = {
  minDeflateRatio: 0.02,
  minLetterShare: 0.5,
  maxEncodedShare: 0.5,
  /** A whitespace-delimited token of 40 or more base64 (standard or URL-safe) or hex characters. */
  encodedToken: /(?<!\S)[A-Za-z0-9+/=_-]{40,}(?!\S)/g,
} as const;

/**
 * Why `text` is not readable prose, or undefined when it is. `sampleChars` bounds the cost: the
 * check reads no further than what could ever be sent (a 120,000-character sample deflates in
 * about 15 ms here).
 */
export function unreadableReason(text: string, sampleChars: number): UnreadableReason | undefined {
  const sample = text.slice(0, sampleChars);
  const bytes = Buffer.byteLength(sample);
  if (bytes === 0) return undefined;
  const chars = sample.replace(/\s+/g, '').length;
  if (chars === 0) return 'not words';
  const encoded = (sample.match(READABLE.encodedToken) ?? []).reduce((sum, token) => sum + token.length, 0);
  if (encoded / chars > READABLE.maxEncodedShare) return 'encoded data';
  if (sample.replace(/[^\p{L}]+/gu, '').length / chars < READABLE.minLetterShare) return 'not words';
  if (zlib.deflateRawSync(sample).length / bytes < READABLE.minDeflateRatio) return 'repeats itself';
  return undefined;
}

/**
 * Water-filling: `budget` split evenly across the texts, a text shorter than its share keeping
 * its length and handing what it leaves on to the longer ones. `take(i, share)` returns how much
 * of text `i` was actually kept (less than the share when it is cut at a sentence), and the rest
 * goes on too. Returns the kept lengths, in the texts' order; their sum is at most `budget`.
 */
export function fairShares(
  lengths: readonly number[],
  budget: number,
  take: (index: number, share: number) => number = (i, share) => Math.min(lengths[i] ?? 0, share),
): number[] {
  const kept = lengths.map(() => 0);
  const order = lengths.map((length, i) => ({ length, i })).sort((a, b) => a.length - b.length);
  let left = Math.max(0, budget);
  order.forEach(({ i }, k) => {
    const share = Math.floor(left / (order.length - k));
    kept[i] = Math.min(share, take(i, share));
    left -= kept[i];
  });
  return kept;
}

/** A search result with its best text, before it is numbered. */
export interface CorpusCandidate {
  url: string;
  title: string;
  text: string;
}

export interface CorpusLimits {
  /** Characters of source text sent in all. */
  budget: number;
  /** Sources with less text than this are not worth citing. */
  minChars: number;
}

/**
 * The numbered sources of the corpus, in the candidates' order: too-short texts dropped, texts
 * that are not prose skipped (and returned, to be reported), the rest cut to a fair share of the
 * budget at a sentence boundary.
 */
export function buildCorpus(
  candidates: readonly CorpusCandidate[],
  { budget, minChars }: CorpusLimits,
): { sources: SourceText[]; skipped: (CorpusCandidate & { reason: UnreadableReason })[] } {
  const skipped: (CorpusCandidate & { reason: UnreadableReason })[] = [];
  const usable: CorpusCandidate[] = [];
  for (const candidate of candidates) {
    const text = candidate.text.trim();
    if (text.length < minChars) continue;
    const reason = unreadableReason(text, budget);
    if (reason) skipped.push({ ...candidate, text, reason });
    else usable.push({ ...candidate, text });
  }
  const texts = usable.map((c) => c.text);
  fairShares(
    texts.map((t) => t.length),
    budget,
    (i, share) => {
      const text = texts[i] ?? '';
      // Only the share's neighbourhood is split into sentences, not all of a 2 MB page. The window
      // reaches the first letter past the share, so a sentence cut off there never fits whole.
      const past = text.slice(share).search(/\S/);
      texts[i] =
        text.length <= share ? text : trimToSentence(text.slice(0, past < 0 ? text.length : share + past + 1), share);
      return texts[i].length;
    },
  );
  const sources = usable.flatMap((c, i) => {
    const text = texts[i] ?? '';
    return text.length < minChars ? [] : [{ url: c.url, title: c.title.trim() || c.url, text }];
  });
  return { sources: sources.map((s, i) => ({ n: i + 1, ...s })), skipped };
}
