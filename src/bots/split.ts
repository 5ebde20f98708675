/**
 * Splitting long text to fit a platform's limits without losing or cutting anything: at paragraph
 * breaks first, then line breaks, then sentence ends, then spaces; a single "word" longer than the
 * limit (a URL) is the only thing ever broken mid-way. Joining the pieces with the separators they
 * were split at gives back the original text exactly.
 */

export interface Piece {
  text: string;
  /** What followed this piece in the original ('' for the last): "\n\n", "\n", " " or ''. */
  separator: string;
}

const BOUNDARIES: RegExp[] = [/\n{2,}/g, /\n/g, /(?<=[.!?]["')\]]?) +/g, / +/g];

/** Splits `text` into pieces of at most `max` characters (code points counted as UTF-16 units). */
export function splitText(text: string, max: number): Piece[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  if (text.length <= max) return [{ text, separator: '' }];
  return splitAt(text, max, 0);
}

function splitAt(text: string, max: number, level: number): Piece[] {
  if (text.length <= max) return [{ text, separator: '' }];
  const boundary = BOUNDARIES[level];
  if (!boundary) return hardSplit(text, max);

  // Tokens: runs of text with the separator that follows each.
  const tokens: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(boundary)) {
    tokens.push({ text: text.slice(last, match.index), separator: match[0] });
    last = match.index + match[0].length;
  }
  tokens.push({ text: text.slice(last), separator: '' });
  if (tokens.length === 1) return splitAt(text, max, level + 1);

  const pieces: Piece[] = [];
  let current: Piece | undefined;
  for (const token of tokens) {
    const parts = token.text.length > max ? splitAt(token.text, max, level + 1) : [{ text: token.text, separator: '' }];
    // The token's own trailing separator belongs after its last part.
    parts[parts.length - 1]!.separator = token.separator;
    for (const part of parts) {
      if (current && current.text.length + current.separator.length + part.text.length <= max) {
        current = { text: current.text + current.separator + part.text, separator: part.separator };
      } else {
        if (current) pieces.push(current);
        current = { ...part };
      }
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

function hardSplit(text: string, max: number): Piece[] {
  const pieces: Piece[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(i + max, text.length);
    // Never split a surrogate pair (an emoji) in two.
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end -= 1;
    pieces.push({ text: text.slice(i, end), separator: '' });
    i = end;
  }
  return pieces;
}

/** The original text, from its pieces. */
export function joinPieces(pieces: readonly Piece[]): string {
  return pieces.map((p) => p.text + p.separator).join('');
}
