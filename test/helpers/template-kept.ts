/**
 * The issue-21 rule every email must keep: the template's fixed text, byte for byte, in order —
 * only its placeholders may have changed (filled by research, from the profile, or left as
 * written). Used on every surface's email: both platforms, `scribe draft`, batches.
 */
import { expect } from 'vitest';
import { findPlaceholders } from '../../src/pipeline/checks.ts';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern of every email made from `template`: its fixed parts exactly, anything (one line or more) where a placeholder was. */
export function templatePattern(template: string): RegExp {
  const slots = findPlaceholders(template);
  if (slots.length === 0) return new RegExp(`^${escapeRegExp(template)}$`);
  const split = new RegExp(
    [...slots]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return new RegExp(`^${template.split(split).map(escapeRegExp).join('[\\s\\S]+?')}$`);
}

/** Fails unless `email` is `template` with only its placeholders replaced. */
export function expectTemplateKept(email: string, template: string): void {
  expect(email, 'the template’s fixed text, byte for byte').toMatch(templatePattern(template));
}
