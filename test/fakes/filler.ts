/**
 * Page text of any size for the corpus tests and the fake web's /filler and /long pages: filler
 * that is not prose (the kinds junk pages are made of), and long varied prose (a thesis, a CV that
 * lists every talk). Deterministic: the same call gives the same text.
 */
import crypto from 'node:crypto';

export const FILLER_KINDS = ['lorem', 'lorem-paragraph', 'lines', 'base64', 'base64-mime', 'hex', 'numbers'] as const;
export type FillerKind = (typeof FILLER_KINDS)[number];

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\n\n';

/** A small seeded generator (mulberry32): numbers in [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const repeatTo = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** `count` bytes that look random, the same for the same seed (SHAKE256 as a generator). */
const bytes = (count: number, seed: number) =>
  crypto.createHash('shake256', { outputLength: count }).update(String(seed)).digest();

/** `size` characters of one kind of filler. */
export function filler(kind: FillerKind, size: number): string {
  switch (kind) {
    case 'lorem':
      return repeatTo('lorem ', size);
    case 'lorem-paragraph':
      return repeatTo(LOREM, size);
    case 'lines':
      return repeatTo('Click here to subscribe to our newsletter and never miss an update!\n', size);
    case 'base64':
      return bytes(Math.ceil((size * 3) / 4), 1)
        .toString('base64')
        .slice(0, size);
    case 'base64-mime':
      return bytes(Math.ceil((size * 3) / 4), 2)
        .toString('base64')
        .replace(/.{76}/g, '$&\n')
        .slice(0, size);
    case 'hex':
      return bytes(Math.ceil(size / 2), 3)
        .toString('hex')
        .slice(0, size);
    case 'numbers': {
      const next = random(4);
      const rows: string[] = [];
      for (let length = 0; length < size; length += (rows.at(-1)?.length ?? 0) + 1)
        rows.push(
          [
            2000 + Math.floor(next() * 25),
            Math.floor(next() * 1000),
            (next() * 100).toFixed(2),
            Math.floor(next() * 97),
          ].join('\t'),
        );
      return rows.join('\n').slice(0, size);
    }
  }
}

const WORDS = `the of and a to in is that for on with as by this are from at an be which it not we their
or was have has were can these our more its all one also but into other they new than two such
study studies research results methods model models data analysis systems system work group
university department professor lecturer student students thesis program programs programming
engine engines analytical mechanical computation computing machine machines loop loops card cards
punched number numbers Bernoulli table tables operation operations variable variables symbol
symbols algebra algebraic calculus mathematics mathematical logic science sciences theory theories
paper papers journal journals conference talk talks lecture lectures book books chapter chapters
early recent current future first second third main central key open hard simple general
design designs designed describe describes described show shows shown propose proposes proposed
weaving loom looms pattern patterns textile textiles industry industrial history historical London
society royal member members fellow fellows award awards prize grant grants project projects
teaching taught course courses seminar seminars office hours Tuesday Thursday email contact`.split(/\s+/);

/** `size` characters of varied prose-like text (random sentences over a 200-word vocabulary). */
export function longProse(size: number, seed = 7): string {
  const next = random(seed);
  const sentences: string[] = [];
  for (let length = 0; length < size; length += (sentences.at(-1)?.length ?? 0) + 1) {
    const words = Array.from({ length: 8 + Math.floor(next() * 14) }, () => WORDS[Math.floor(next() * WORDS.length)]);
    const sentence = words.join(' ');
    sentences.push(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`);
  }
  return sentences.join(' ').slice(0, size);
}
