/**
 * The email as the writer streams it: fills are taken from the partial answer only once their
 * object has closed, and the email is shown up to the first slot not yet written — always a
 * prefix of the email the finished answer assembles.
 */
import { describe, expect, it } from 'vitest';
import { assembleEmail, emailSoFar } from '../../src/pipeline/assemble.ts';
import { closedFills } from '../../src/pipeline/steps/compose.ts';
import type { Slot } from '../../src/pipeline/types.ts';

const TEMPLATE = 'Dear Dr. {{last_name}},\n\nI read your work on [topic] ({{last_name}}).\n\nBest,\n[Your Name]';
const slots: Slot[] = [
  { placeholder: '{{last_name}}', owner: 'recipient' },
  { placeholder: '[topic]', owner: 'personal' },
  { placeholder: '[Your Name]', owner: 'sender' },
];
const ANSWER = JSON.stringify({
  subject: 'Your "engine" notes',
  fills: [
    { slot: '{{last_name}}', text: 'Lovelace', sources: [] },
    { slot: '[topic]', text: 'loops {in} "punched" cards [1]', sources: [1] },
  ],
});

describe('the streamed email', () => {
  it('takes a fill only once its object has closed, braces and quotes in strings included', () => {
    const cutAt = (marker: string) => ANSWER.slice(0, ANSWER.indexOf(marker));
    expect(closedFills(cutAt('Lovelace'))).toEqual([]);
    expect(closedFills(cutAt('{"slot":"[topic]"')).map((f) => f.slot)).toEqual(['{{last_name}}']);
    expect(closedFills(cutAt('punched'))).toHaveLength(1);
    expect(closedFills(ANSWER.slice(0, -2))).toHaveLength(2);
    expect(closedFills(ANSWER)).toEqual(JSON.parse(ANSWER).fills);
  });

  it('shows the email up to the first unwritten slot, each a prefix of the finished email', () => {
    const final = assembleEmail(TEMPLATE, { slots }, closedFills(ANSWER));
    let before = '';
    for (let end = 0; end <= ANSWER.length; end++) {
      const text = emailSoFar(TEMPLATE, { slots }, closedFills(ANSWER.slice(0, end)));
      expect(final.startsWith(text)).toBe(true);
      expect(text.startsWith(before)).toBe(true);
      before = text;
    }
    expect(emailSoFar(TEMPLATE, { slots }, [])).toBe('Dear Dr. ');
    expect(before).toBe(final);
    expect(final).toContain('[Your Name]');
  });
});
