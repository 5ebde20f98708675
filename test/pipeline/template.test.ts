import { describe, expect, it } from 'vitest';
import { hasRecipientSlot, slotsInCode, withPersonalLine } from '../../src/pipeline/template.ts';
import { applyPersonalLine, noRecipientSlotNotice } from '../../src/requests/personal-line.ts';

const PLAIN = 'Subject: Our workshop\n\nDear colleague,\nI would like to invite you.\n\nBest regards,\n[Your Name]\n';

describe('a template with no placeholder for the recipient', () => {
  it('is found in code: only the sender’s placeholders, or none', () => {
    expect(hasRecipientSlot(slotsInCode(PLAIN))).toBe(false);
    expect(hasRecipientSlot(slotsInCode('Hello,\nno placeholders at all.'))).toBe(false);
    expect(hasRecipientSlot(slotsInCode('Dear Dr. {{last_name}},'))).toBe(true);
    expect(noRecipientSlotNotice('Dear Dr. {{last_name}},')).toBeUndefined();
    expect(noRecipientSlotNotice(PLAIN)).toMatch(/none for the recipient/);
  });

  it('gets a personal line as a paragraph after the greeting or before the sign-off, all else as written', () => {
    expect(withPersonalLine(PLAIN, 'after-greeting')).toBe(
      'Subject: Our workshop\n\nDear colleague,\n\n[personal line]\n\nI would like to invite you.\n\nBest regards,\n[Your Name]\n',
    );
    expect(withPersonalLine(PLAIN, 'before-signoff')).toBe(
      'Subject: Our workshop\n\nDear colleague,\nI would like to invite you.\n\n[personal line]\n\nBest regards,\n[Your Name]\n',
    );
    expect(hasRecipientSlot(slotsInCode(withPersonalLine(PLAIN, 'before-signoff')))).toBe(true);
    expect(applyPersonalLine(PLAIN, 'none')).toBe(PLAIN);
    // A template that has a recipient slot is never changed.
    expect(applyPersonalLine('Dear {{name}},', 'after-greeting')).toBe('Dear {{name}},');
  });
});
