import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { parseSenderProfile, senderKind } from '../../src/pipeline/sender.ts';

describe('senderKind', () => {
  it.each([
    ['[Your Name]', 'name'],
    ['{{sender_name}}', 'name'],
    ['{my_full_name}', 'name'],
    ['[Ihr Name]', 'name'],
    ['[您的姓名]', 'name'],
    ['[votre nom]', 'name'],
    ['[Your Position]', 'position'],
    ['[Your Title]', 'position'],
    ['[Ihre Position]', 'position'],
    ['[您的职位]', 'position'],
    ['[Your University]', 'institution'],
    ['[Ihre Universität]', 'institution'],
    ['[Name of your institution]', 'institution'],
    ['[您的学校]', 'institution'],
    ['[my research]', 'work'],
    ['{{my_work}}', 'work'],
    ['[meine Forschung]', 'work'],
    ['[我的研究方向]', 'work'],
  ])('%s asks for the %s', (placeholder, kind) => {
    expect(senderKind(placeholder)).toBe(kind);
  });

  it.each(['[Your Phone]', '[Your Department]', '[Your First Name]', '[Ihr Vorname]'])(
    '%s is nothing the profile holds',
    (placeholder) => {
      expect(senderKind(placeholder)).toBeUndefined();
    },
  );
});

describe('parseSenderProfile', () => {
  it('keeps one line per field and drops empty ones', () => {
    expect(
      parseSenderProfile({ name: '  Mary\u200B Somerville ', position: '', work: 'I study\nthe heavens' }),
    ).toEqual({
      name: 'Mary Somerville',
      work: 'I study the heavens',
    });
  });

  it('refuses unknown fields and overlong values', () => {
    expect(() => parseSenderProfile({ nmae: 'Mary' })).toThrow(ZodError);
    expect(() => parseSenderProfile({ name: 'x'.repeat(121) })).toThrow(/at most 120/);
  });
});
