import { describe, expect, it } from 'vitest';
import { cleanInputText, hasLetter, isWellFormedText } from '../../src/text/clean.ts';

describe('cleanInputText', () => {
  it('removes each invisible format character of the list, and only those', () => {
    const invisible = [
      0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
      0xfeff,
    ];
    for (const code of invisible)
      expect(cleanInputText(`a${String.fromCodePoint(code)}b`), code.toString(16)).toBe('ab');
    // Visible neighbours of those ranges stay.
    expect(cleanInputText('a\u2010b\u2030c\u2070d')).toBe('a\u2010b\u2030c\u2070d');
  });

  it('normalises line ends, drops control characters and trims after removing the invisible ones', () => {
    expect(cleanInputText('\u200B  Ada\r\nLovelace\u0007 \u202C')).toBe('Ada\nLovelace');
  });
});

describe('isWellFormedText and hasLetter', () => {
  it('refuses lone surrogates and accepts paired ones', () => {
    expect(isWellFormedText('Ada 🎓')).toBe(true);
    expect(isWellFormedText('Ada \uD83C')).toBe(false);
    expect(isWellFormedText('\uDF93 Ada')).toBe(false);
  });

  it('finds a letter in any script, and none in digits, symbols and emoji', () => {
    for (const text of ['a', 'Ж', '李', 'ع', 'ß']) expect(hasLetter(text), text).toBe(true);
    for (const text of ['', '123', '!?—', '🎓🎉', '\u0301']) expect(hasLetter(text), text).toBe(false);
  });
});
