/**
 * The sender's own slots ("[Your Name]", "[Ihr Institut]", "{my_position}", "[您的姓名]") are filled
 * in code from the person's sender profile, never by the model: each slot's kind (name, position,
 * institution, a line about their work) is read from the placeholder, and its value is the
 * profile's. A slot the profile cannot fill stays as written, and the result says so.
 */
import { z } from 'zod';
import { cleanInputText } from '../text/clean.ts';
import { replaceSlots } from './assemble.ts';
import type { Slot } from './types.ts';

/** What a sender profile holds, and the limit of each. */
export const SENDER_FIELDS = {
  name: { label: 'Your name', max: 120 },
  position: { label: 'Your position', max: 120 },
  institution: { label: 'Your institution', max: 200 },
  work: { label: 'One line about your work', max: 300 },
} as const;
export type SenderField = keyof typeof SENDER_FIELDS;
export const SENDER_FIELD_NAMES = Object.keys(SENDER_FIELDS) as SenderField[];

const field = (name: SenderField) =>
  z
    .string()
    .transform((text) => cleanInputText(text).replace(/\s+/g, ' '))
    .pipe(z.string().max(SENDER_FIELDS[name].max, `${name}: at most ${SENDER_FIELDS[name].max} characters`))
    .optional();

/** A sender profile as typed (a form, a file): every field optional, one line each; unknown keys refused. */
export const SenderProfileSchema = z.strictObject({
  name: field('name'),
  position: field('position'),
  institution: field('institution'),
  work: field('work'),
});
export type SenderProfileInput = z.input<typeof SenderProfileSchema>;

/** The sender's details; an absent or empty field fills nothing. */
export type SenderProfile = { [F in SenderField]?: string | undefined };

/** The profile with empty fields dropped (what is stored and used). */
export function parseSenderProfile(input: unknown): SenderProfile {
  const parsed = SenderProfileSchema.parse(input);
  const profile: SenderProfile = {};
  for (const name of SENDER_FIELD_NAMES) {
    const value = parsed[name];
    if (value) profile[name] = value;
  }
  return profile;
}

// Matched on the placeholder without brackets, "_"/"-" as spaces, lower case. The first match wins,
// so "[Name of your university]" is an institution, and "[your research]" (the recipient's, never a
// sender slot) is never asked. Languages: those the parser's sender rule knows (checks.ts).
const KIND_PATTERNS: readonly (readonly [SenderField, RegExp])[] = [
  [
    'work',
    /\b(?:research|work|background|interests?|field|area|focus|project)\b|forschung|arbeit|schwerpunkt|recherche|travail|investigaci[oó]n|trabajo|研究|工作|方向/iu,
  ],
  [
    'institution',
    /\b(?:university|institution|institute|school|college|affiliation|organi[sz]ation|company|employer)\b|universität|hochschule|institut|université|établissement|universidad|universit[àa]|学校|大学|单位|機関|所属/iu,
  ],
  [
    'position',
    /\b(?:position|title|role|job|rank|occupation)\b|stelle|titel|funktion|poste|fonction|cargo|puesto|职位|職位|职称|身份|役職/iu,
  ],
  ['name', /\b(?:full name|name|signature)\b|unterschrift|\bnom\b|nombre|nome|姓名|名字|签名|名前|氏名/iu],
];

/** Which profile field a sender slot asks for; undefined when none fits ("[Your Department]", "[My Phone]"). */
export function senderKind(placeholder: string): SenderField | undefined {
  const inner = placeholder
    .replace(/[{}[\]<>【】]/g, '')
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
  // "first name" / "last name" / "Vorname" are part of a name: the profile holds it whole, so they stay for the person.
  if (/\b(?:first|last|given|family|sur)\s*name\b|vorname|nachname|prénom|apellido/iu.test(inner)) return undefined;
  return KIND_PATTERNS.find(([, pattern]) => pattern.test(inner))?.[0];
}

/** The sender's slots filled from `profile`, and those left for the person (in template order). */
export interface SenderFill {
  text: string;
  left: string[];
}

/** `text` with each sender slot the profile can fill replaced by the profile's value; the rest as written. */
export function fillSenderSlots(
  text: string,
  slots: readonly Slot[],
  profile: SenderProfile | undefined,
): { text: string; filled: Map<string, string>; left: string[] } {
  const filled = new Map<string, string>();
  const left: string[] = [];
  for (const slot of slots) {
    if (slot.owner !== 'sender') continue;
    const kind = senderKind(slot.placeholder);
    const value = kind === undefined ? undefined : profile?.[kind];
    if (value) filled.set(slot.placeholder, value);
    else left.push(slot.placeholder);
  }
  return { text: replaceSlots(text, filled), filled, left };
}
