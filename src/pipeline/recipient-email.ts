/**
 * The recipient's email address, only when a source shows it (issue 22, item 2). Never guessed:
 * no address is built from a name and a domain. An address on a kept page (pages about a namesake
 * are dropped before this runs) is the recipient's when
 * - its local part names them ("ada.lovelace@", "alovelace@", "lovelace@", "ada@"), or
 * - it stands right by their name (at most `NEAR_CHARS` characters away, with no other address in
 *   between), on a page of the address's own institution (the page's host and the address's domain
 *   share their registered domain), is no role address (office@, info@ …), and its local part does
 *   not name someone else written between the two ("… works with Charles Babbage (babbage@…)").
 * Bracketed obfuscations ("ada [at] cam [dot] ac [dot] uk", "(at)", "{at}") are read as the
 * address; a bare "at" is not (it is an English word). `mailto:` links reach the text through the
 * page reader, which writes a link's address after its text (src/pipeline/clients/extract.ts).
 */
import type { RecipientEmail } from './types.ts';

/** How far (in characters) an address may stand from the name to count as theirs. */
export const NEAR_CHARS = 120;

/** A page the research kept, with its number and the text read from it. */
export interface EmailSource {
  n: number;
  url: string;
  text: string;
}

const ADDRESS =
  /(?<![\w.+-])([A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])/g;

/** Local parts that name a role or an office, not a person. */
const ROLE =
  /^(info|admin|administrator|webmaster|web|contact|contacts|office|enquiries|enquiry|inquiries|inquiry|admissions|support|help|helpdesk|noreply|no-reply|donotreply|press|media|news|communications|comms|dept|department|secretary|secretariat|reception|hr|jobs|careers|postmaster|hostmaster|hello|team|lab|group|events|marketing|sales|library|registrar|dean|studentoffice|research|it|abuse|privacy|security)$/i;

/** Titles that are not part of a name. */
const TITLES = new Set(['dr', 'prof', 'professor', 'mr', 'mrs', 'ms', 'miss', 'mx', 'sir', 'dame', 'phd', 'md']);

/** Letters only, lower case, accents removed: "Lövelace" → "lovelace". */
const fold = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();

/** The name's parts worth matching: given name first, surname last, titles and initials left out. */
export function nameParts(name: string): { given: string | undefined; surname: string | undefined; all: string[] } {
  const all = fold(name)
    .split(/[^\p{L}]+/u)
    .filter((t) => t.length >= 2 && !TITLES.has(t));
  return { given: all.length > 1 ? all[0] : undefined, surname: all.at(-1), all };
}

/** Reads bracketed obfuscations as the address: "ada [at] cam [dot] ac [dot] uk" → "ada@cam.ac.uk". */
export function deobfuscate(text: string): string {
  return text.replace(/\s*[[({<]\s*(?:at|@)\s*[\])}>]\s*/gi, '@').replace(/\s*[[({<]\s*(?:dot|\.)\s*[\])}>]\s*/gi, '.');
}

/** True when the address's local part names the person: a part of it is the surname, the given name, or initial + surname. */
export function localNamesPerson(local: string, name: string): boolean {
  const { given, surname } = nameParts(name);
  if (!surname || surname.length < 2) return false;
  const tokens = fold(local)
    .split(/[^a-z]+/)
    .filter(Boolean);
  const forms = new Set([
    surname,
    `${given ?? ''}${surname}`,
    `${given?.[0] ?? ''}${surname}`,
    `${surname}${given?.[0] ?? ''}`,
  ]);
  if (given && given.length >= 3) forms.add(given);
  return tokens.some((t) => forms.has(t));
}

/** The registered part of a host, near enough: the last two labels, three under "ac.uk", "co.jp", "edu.au" … */
export function registeredDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const second = labels.at(-2) ?? '';
  const keep =
    labels.length >= 3 && /^(ac|co|com|edu|gov|org|net|uni|res|sch)$/.test(second) && labels.at(-1)!.length === 2
      ? 3
      : 2;
  return labels.slice(-keep).join('.');
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Where the surname is written in `text` (folded), as character positions of the folded text. */
function nameSpots(folded: string, surname: string): { start: number; end: number }[] {
  const spots: { start: number; end: number }[] = [];
  const re = new RegExp(`(?<![\\p{L}])${surname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'gu');
  for (const m of folded.matchAll(re)) spots.push({ start: m.index, end: m.index + m[0].length });
  return spots;
}

/** The recipient's address shown by one page, with how sure: 2 names them, 1 stands by their name. */
function onPage(name: string, source: EmailSource): { address: string; strength: 1 | 2 } | undefined {
  const { surname, all } = nameParts(name);
  if (!surname) return undefined;
  // Folding first, so positions of names and addresses are in the same text.
  const text = fold(deobfuscate(source.text));
  const addresses = [...text.matchAll(ADDRESS)].map((m) => ({
    address: m[0],
    local: m[1]!,
    domain: m[2]!,
    start: m.index,
    end: m.index + m[0].length,
  }));
  if (addresses.length === 0) return undefined;
  const named = addresses.find((a) => localNamesPerson(a.local, name));
  if (named) return { address: named.address, strength: 2 };
  const host = hostOf(source.url);
  const spots = nameSpots(text, surname);
  for (const a of addresses) {
    if (ROLE.test(a.local)) continue;
    if (!host || registeredDomain(host) !== registeredDomain(a.domain)) continue;
    const near = spots.find((s) => {
      const [from, to] = s.end <= a.start ? [s.end, a.start] : [a.end, s.start];
      if (to < from || to - from > NEAR_CHARS) return false;
      const between = text.slice(from, to);
      if (between.includes('@')) return false;
      // The local part names someone written between them (not the recipient): their address.
      const words = new Set(between.split(/[^\p{L}]+/u).filter((w) => w.length >= 2 && !all.includes(w)));
      return !fold(a.local)
        .split(/[^a-z]+/)
        .some((t) => words.has(t));
    });
    if (near) return { address: a.address, strength: 1 };
  }
  return undefined;
}

/**
 * The recipient's address from the kept sources, or undefined: one that names them first, then
 * one that stands by their name; among equals, the lowest-numbered source.
 */
export function findRecipientEmail(name: string, sources: readonly EmailSource[]): RecipientEmail | undefined {
  let best: { address: string; source: number; strength: number } | undefined;
  for (const source of [...sources].sort((a, b) => a.n - b.n)) {
    const found = onPage(name, source);
    if (found && (!best || found.strength > best.strength))
      best = { address: found.address, source: source.n, strength: found.strength };
  }
  return best ? { address: best.address, source: best.source } : undefined;
}
