/**
 * Cleaning what people type (template, recipient name and interest) before it is stored, shown in
 * chat and put into prompts. Pure functions; `src/requests/commit/start.ts` applies them in its schema.
 */

/** Control characters other than tab and newline: invisible, and trouble for prompts and chat. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Invisible format characters that hide or reorder text: zero-width space, non-joiner and joiner,
 * left-to-right and right-to-left marks (U+200B–200F), bidi embeddings and overrides
 * (U+202A–202E: "\u202Eecila" shows as "alice"), bidi isolates (U+2066–2069) and the byte-order
 * mark / zero-width no-break space (U+FEFF). A name made of them looks empty or like another name.
 */
const INVISIBLE_FORMAT = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** Line ends normalised to "\n", control and invisible format characters removed, trimmed. */
export function cleanInputText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').replace(INVISIBLE_FORMAT, '').trim();
}

/**
 * False when the text has a lone (unpaired) UTF-16 surrogate: not text in any encoding, it turns
 * into U+FFFD or an error on its way to Postgres, Slack or the model.
 */
export function isWellFormedText(text: string): boolean {
  return text.isWellFormed();
}

/** True when the text has at least one letter, in any script. */
export function hasLetter(text: string): boolean {
  return /\p{L}/u.test(text);
}
