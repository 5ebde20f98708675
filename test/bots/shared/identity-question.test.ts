/**
 * "Which …?" rendered on both platforms (issue 20), without a network: a line per candidate, a
 * button per candidate and "None of these" whose ids carry the option and parse back, and labels
 * cut to each platform's button limit; Discord's message passes the fake's validation.
 */
import { describe, expect, it } from 'vitest';
import { parseResultButton } from '../../../src/bots/discord/ids.ts';
import { renderIdentityQuestion as renderDiscord } from '../../../src/bots/discord/render.ts';
import { OPTION_BUTTON_PATTERN, parseOptionButton } from '../../../src/bots/slack/ids.ts';
import { renderIdentityQuestion as renderSlack } from '../../../src/bots/slack/render.ts';
import type { IdentityQuestionView } from '../../../src/thread/reporter.ts';
import { validateMessage } from '../../fakes/discord/validate.ts';
import { buttonsIn, containerTexts, titleOf } from '../../helpers/discord-v2.ts';

const ID = '7f0c7a52-6a55-4c43-9d61-5b0d6a0a2f11';
const LONG = `The ${'Very '.repeat(30)}Long Institute of Technology`;
const view: IdentityQuestionView = {
  recipientName: 'Jun Li',
  version: 1,
  question: 'Which Jun Li?',
  options: [
    { option: '1', label: 'MIT · Machine learning · “Sparse attention” (2025)', institution: 'MIT' },
    { option: '2', label: 'Tsinghua University · Catalysis · “Zeolites” (2024)', institution: 'Tsinghua University' },
    { option: '3', label: `${LONG} · Optics · “Lenses” (2023)`, institution: LONG },
    { option: '4', label: 'University of Leeds · Textiles · “Looms” (2022)', institution: 'University of Leeds' },
  ],
  none: { option: 'none', label: 'None of these' },
  batch: { position: 3, size: 12 },
};

describe('"Which Jun Li?"', () => {
  it('on Slack: the lines, and five buttons whose action ids carry the option', () => {
    const message = renderSlack(view, ID);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Which Jun Li?');
    expect(text).toContain('(email 3 of 12)');
    expect(text).toContain('MIT · Machine learning · “Sparse attention” (2025)');
    const actions = message.blocks.find((b) => b.type === 'actions') as unknown as {
      elements: { action_id: string; value: string; text: { text: string } }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      'scribe_choose.1',
      'scribe_choose.2',
      'scribe_choose.3',
      'scribe_choose.4',
      'scribe_choose.none',
    ]);
    expect(actions.elements.every((e) => e.value === ID && OPTION_BUTTON_PATTERN.test(e.action_id))).toBe(true);
    expect(actions.elements.every((e) => e.text.text.length <= 75)).toBe(true);
    expect(actions.elements[0]!.text.text).toBe('1 · MIT');
    expect(parseOptionButton('scribe_choose.none')).toEqual({ action: 'choose', option: 'none' });
    expect(parseOptionButton('scribe_choose.0')).toBeUndefined();
    expect(parseOptionButton('scribe_nothing.1')).toBeUndefined();
  });

  it('on Discord: a Components V2 container with the lines, one row of five buttons whose custom ids carry the option', () => {
    const message = renderDiscord(view, ID);
    expect(validateMessage(message, false)).toBeNull();
    expect(titleOf(message)).toBe('❓ Which Jun Li?');
    expect(containerTexts(message)[1]).toContain('MIT · Machine learning · “Sparse attention” (2025)');
    expect(containerTexts(message)[1]).toContain('(email 3 of 12)');
    const buttons = buttonsIn(message) as { custom_id: string; label: string }[];
    expect(buttons.map((b) => parseResultButton(b.custom_id))).toEqual([
      ...['1', '2', '3', '4'].map((option) => ({ action: 'choose', generationId: ID, option })),
      { action: 'choose', generationId: ID, option: 'none' },
    ]);
    expect(buttons.every((b) => b.label.length <= 80)).toBe(true);
    expect(parseResultButton(`scribe:choose:${ID}:0`)).toBeUndefined();
    expect(parseResultButton(`scribe:regenerate:${ID}`)).toEqual({ action: 'regenerate', generationId: ID });
  });
});
