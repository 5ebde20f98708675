/**
 * Sentence-aware text splitting: long page text is cut into chunks the summariser can take, and
 * summaries are trimmed to a length, always at sentence boundaries so no claim is cut in half.
 */

/** Words that end in a full stop without ending a sentence ("Dr. Lovelace", "e.g. this"). */
const ABBREVIATIONS = new Set([
  'dr',
  'mr',
  'mrs',
  'ms',
  'prof',
  'st',
  'jr',
  'sr',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'al',
  'fig',
  'no',
  'inc',
  'ltd',
  'co',
  'dept',
  'univ',
  'approx',
  'cf',
  'ph.d',
  'mt',
  'vol',
  'pp',
  'ed',
  'eds',
]);

// A boundary is end punctuation (with any closing quotes or brackets) followed by whitespace, or a
// line break: templates and page text are line-structured, and a line without a full stop
// ("Best regards,") is still a unit of its own. Chinese and Japanese full stops (。！？) end a
// sentence with no space after them.
const BOUNDARY = /([.!?…]+["'”’)\]]*)(\s+)|([。！？]+[」』”’）》]*\s*)|(\n\s*)/g;

function endsWithAbbreviation(before: string): boolean {
  const word = (/(\S+)$/.exec(before)?.[1] ?? '').replace(/^[^\p{L}]+/u, '');
  // A single capital is an initial ("A. Lovelace").
  return ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word);
}

/**
 * Splits text into sentences. Each sentence keeps its trailing whitespace, so
 * `splitSentences(t).join('') === t` always holds.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BOUNDARY)) {
    if (match[1] === '.' && endsWithAbbreviation(text.slice(start, match.index))) continue;
    const end = match.index + match[0].length;
    sentences.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) sentences.push(text.slice(start));
  return sentences;
}

/** Cuts one over-long piece at the last whitespace before `maxChars` (or hard at `maxChars`). */
function hardSplit(piece: string, maxChars: number): string[] {
  const parts: string[] = [];
  let rest = piece;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    const space = window.search(/\s\S*$/);
    const cut = space > maxChars / 2 ? space + 1 : maxChars;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

/**
 * Packs whole sentences into chunks of at most `maxChars` characters. Only a single sentence
 * longer than `maxChars` is cut inside (at a word boundary). Lossless:
 * `chunkText(t, n).join('') === t`.
 */
export function chunkText(text: string, maxChars = 30_000): string[] {
  if (maxChars < 1) throw new RangeError('maxChars must be positive');
  const chunks: string[] = [];
  let current = '';
  for (const sentence of splitSentences(text)) {
    for (const piece of sentence.length > maxChars ? hardSplit(sentence, maxChars) : [sentence]) {
      if (current.length + piece.length > maxChars && current !== '') {
        chunks.push(current);
        current = '';
      }
      current += piece;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/**
 * The longest run of whole leading sentences that fits in `maxChars`, trailing whitespace
 * removed. When even the first sentence is too long, it is cut at a word and ends with "…".
 */
export function trimToSentence(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let kept = '';
  for (const sentence of splitSentences(text)) {
    if ((kept + sentence).trimEnd().length > maxChars) break;
    kept += sentence;
  }
  if (kept.trim() !== '') return kept.trimEnd();
  const first = hardSplit(text, Math.max(1, maxChars - 1))[0] ?? '';
  return `${first.trimEnd()}…`;
}
