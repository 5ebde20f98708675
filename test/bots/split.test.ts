import { describe, expect, it } from 'vitest';
import { joinPieces, splitText } from '../../src/bots/split.ts';

function paragraphs(n: number, sentence: string, perParagraph: number): string {
  return Array.from({ length: n }, (_, p) =>
    Array.from({ length: perParagraph }, (_, s) => `${sentence} (${p}.${s}).`).join(' '),
  ).join('\n\n');
}

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('Dear Ada,\n\nHello.', 3000)).toEqual([{ text: 'Dear Ada,\n\nHello.', separator: '' }]);
  });

  it('splits a 9,000-character email at paragraph breaks, within the limit, losing no character', () => {
    const email = paragraphs(30, 'Your work on analytical engines changed how I think about computation', 4);
    expect(email.length).toBeGreaterThan(9_000);
    const pieces = splitText(email, 3_000);
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const piece of pieces) expect(piece.text.length).toBeLessThanOrEqual(3_000);
    // Every cut is at a paragraph break, and the pieces give back the original exactly.
    for (const piece of pieces.slice(0, -1)) expect(piece.separator).toBe('\n\n');
    expect(joinPieces(pieces)).toBe(email);
  });

  it('falls back to sentence ends inside a paragraph longer than the limit', () => {
    const paragraph = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i} of a long paragraph.`).join(
      ' ',
    );
    const pieces = splitText(paragraph, 500);
    for (const piece of pieces) {
      expect(piece.text.length).toBeLessThanOrEqual(500);
      expect(piece.text).toMatch(/\.$/);
    }
    expect(joinPieces(pieces)).toBe(paragraph);
  });

  it('falls back to spaces, and breaks only a word longer than the limit', () => {
    const url = `https://example.edu/${'x'.repeat(120)}`;
    const text = `see ${url} and more words here`;
    const pieces = splitText(text, 50);
    for (const piece of pieces) expect(piece.text.length).toBeLessThanOrEqual(50);
    expect(joinPieces(pieces)).toBe(text);
  });

  it('never splits an emoji in two', () => {
    const text = '🔁'.repeat(30);
    const pieces = splitText(text, 7);
    for (const piece of pieces) expect(piece.text).not.toMatch(/[\uD800-\uDBFF]$/);
    expect(joinPieces(pieces)).toBe(text);
  });
});
