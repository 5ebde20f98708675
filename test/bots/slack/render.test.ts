import { describe, expect, it } from 'vitest';
import { initialProgress } from '../../../src/thread/progress.ts';
import type { ResultView } from '../../../src/thread/reporter.ts';
import { RESULT_BUTTON_IDS as ACTIONS } from '../../../src/bots/slack/ids.ts';
import {
  renderCopy,
  renderProgress,
  renderResult,
  renderStreamedResultBlocks,
  SLACK_SECTION_LIMIT,
  type SlackBlock,
} from '../../../src/bots/slack/render.ts';

/** The first message of a result (these fit in one). */
const firstMessage = (view: ResultView, generationId: string) => renderResult(view, generationId)[0]!;
const textOf = (block: SlackBlock) => (block.text as { text: string } | undefined)?.text ?? '';

function result(email: string, extra: Partial<ResultView> = {}): ResultView {
  return {
    recipientName: 'Dr. Ada <Lovelace>',
    version: 1,
    email,
    draft: false,
    problems: [],
    sources: [{ n: 1, url: 'https://uni.example/ada', title: 'Ada & the Engine' }],
    papers: [
      {
        id: '2401.00010',
        title: 'Notes on the Engine',
        authors: ['A. Lovelace'],
        year: 2024,
        abstract: '',
        url: 'https://arxiv.org/abs/2401.00010',
        categories: [],
      },
    ],
    notes: [],
    ...extra,
  };
}

describe('Slack rendering', () => {
  it('shows each step with its state, seconds and warnings', () => {
    const view = initialProgress('Dr. Ada Lovelace', 1);
    view.status = 'running';
    view.steps.parse = { state: 'done', seconds: 1.2, warnings: [] };
    view.steps.research = { state: 'running', warnings: [] };
    view.steps.arxiv = { state: 'done', seconds: 0.8, warnings: ['1 of 6 papers had no abstract'] };
    const message = renderProgress(view);
    expect(message.text).toBe('Drafting an email to Dr. Ada Lovelace');
    const body = message.blocks.map(textOf).join('\n');
    expect(body).toContain('✅ Reading the template — 1.2 s');
    expect(body).toContain('⏳ Researching the web');
    expect(body).toContain('⚠️ 1 of 6 papers had no abstract');
    expect(body).toContain('◻️ Writing the email');
  });

  it('splits a 9,000-character email across plain-text sections without losing a character', () => {
    const email = Array.from({ length: 47 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(36).trim()}.`).join('\n\n');
    expect(email.length).toBeGreaterThanOrEqual(9_000);
    const message = firstMessage(result(email), 'gen-1');
    const emailBlocks = message.blocks.filter(
      (b) => b.type === 'section' && (b.text as { type: string }).type === 'plain_text',
    );
    expect(emailBlocks.length).toBeGreaterThanOrEqual(3);
    for (const block of emailBlocks) expect(textOf(block).length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
    expect(emailBlocks.map(textOf).join('\n\n')).toBe(email);
    expect(message.text.startsWith(email)).toBe(true);
  });

  it('marks each personal line of a long email with its sources, never splitting a mark, and shows the subject', () => {
    const line = (i: number) => `your paper ${i} on engines`;
    const email = Array.from(
      { length: 47 },
      (_, i) => `Paragraph ${i}: I read ${line(i)} ${'word '.repeat(30).trim()}.`,
    ).join('\n\n');
    const fills = Array.from({ length: 47 }, (_, i) => ({ slot: `[line ${i}]`, text: line(i), sources: [1, 2] }));
    const message = firstMessage(result(email, { fills, subject: 'About your <engines>' }), 'gen-1');
    const sections = message.blocks.filter((b) => b.type === 'section').map(textOf);
    expect(sections[0]).toBe('*Subject:* About your &lt;engines&gt;');
    const emailBlocks = message.blocks.filter(
      (b) => b.type === 'section' && (b.text as { type: string }).type === 'plain_text',
    );
    expect(emailBlocks.length).toBeGreaterThanOrEqual(3);
    for (const block of emailBlocks) expect(textOf(block).length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
    const shown = emailBlocks.map(textOf).join('\n\n');
    // Each line is followed by its whole mark in the same section; without the marks it is the email.
    for (const [i] of fills.entries()) expect(shown).toContain(`I read ${line(i)}[1][2] word`);
    expect(shown.replaceAll('[1][2]', '')).toBe(email);
    // The notification text is the bare email under its subject.
    expect(message.text.startsWith(`Subject: About your &lt;engines&gt;\n\n${email}`)).toBe(true);
  });

  it('lists sources as escaped links and offers the three buttons with the generation id', () => {
    const message = firstMessage(result('Dear Ada,\n\nHello.'), 'gen-42');
    const all = JSON.stringify(message.blocks);
    expect(all).toContain('[1] <https://uni.example/ada|Ada &amp; the Engine>');
    expect(all).toContain('<https://arxiv.org/abs/2401.00010|Notes on the Engine> (2024)');
    expect(all).toContain('Dr. Ada &lt;Lovelace&gt;');
    const actions = message.blocks.find((b) => b.type === 'actions');
    const elements = (actions?.elements ?? []) as { action_id: string; value?: string; url?: string }[];
    // Then the hand-off's link buttons (test/thread/handoff.test.ts), which carry a url, not a value.
    expect(elements.filter((e) => e.url).map((e) => e.action_id)).toEqual(['scribe_open_gmail', 'scribe_open_outlook']);
    expect(elements.filter((e) => !e.url).map((e) => [e.action_id, e.value])).toEqual([
      [ACTIONS.regenerate, 'gen-42'],
      [ACTIONS.shorter, 'gen-42'],
      [ACTIONS.fresh, 'gen-42'],
      [ACTIONS.edit, 'gen-42'],
      [ACTIONS.sent, 'gen-42'],
      [ACTIONS.unsent, 'gen-42'],
      [ACTIONS.remind, 'gen-42'],
      [ACTIONS.replied, 'gen-42'],
      [ACTIONS.unremind, 'gen-42'],
      [ACTIONS.copy, 'gen-42'],
    ]);
    // 👍 / 👎 last, in Slack's own feedback element: no button of its own in the actions block.
    const feedback = message.blocks.at(-1) as { type: string; elements: Record<string, { value?: string }>[] };
    expect(feedback.type).toBe('context_actions');
    expect(feedback.elements[0]).toMatchObject({
      type: 'feedback_buttons',
      action_id: 'scribe_feedback',
      positive_button: { value: 'feedback_up:gen-42' },
      negative_button: { value: 'feedback_down:gen-42' },
    });
  });

  it('for a streamed result, gives every block of the result but the email, its cited lines instead, same ids', () => {
    const view = result('Dear Ada,\n\nI read your notes.\n\nBest,\nGrace', {
      subject: 'Your notes',
      fills: [{ slot: 'line', text: 'I read your notes.', sources: [1] }],
    });
    const posted = firstMessage(view, 'gen-42').blocks;
    const streamed = renderStreamedResultBlocks(view, 'gen-42');
    // The posted result's blocks less the email's plain-text section(s), in the same order.
    const emailBlocks = posted.filter(
      (b) => b.type === 'section' && (b.text as { type: string }).type === 'plain_text',
    );
    expect(emailBlocks.map(textOf)).toEqual(['Dear Ada,\n\nI read your notes.[1]\n\nBest,\nGrace']);
    // In the email's place, its cited lines with their marks (the streamed text is the bare email).
    const at = posted.indexOf(emailBlocks[0]!);
    expect(streamed.map(textOf)[at]).toBe('*Where each line comes from*\n• I read your notes.[1]');
    expect(streamed.filter((_, i) => i !== at)).toEqual(posted.filter((b) => !emailBlocks.includes(b)));
    expect(JSON.stringify(streamed)).not.toContain('Dear Ada');
    expect(JSON.stringify(streamed)).toContain('*Subject:* Your notes');
    expect(streamed.find((b) => b.type === 'actions')?.block_id).toBe('scribe_result_actions');
    expect(streamed.at(-1)?.block_id).toBe('scribe_result_feedback');
  });

  it('for a streamed result, cuts a long cited paragraph near its mark', () => {
    const tail = ' and more'.repeat(60);
    const early = 'I read your notes.';
    const view = result(`Dear Ada,\n\n${early}${tail}\n\nBest`, { fills: [{ slot: 'a', text: early, sources: [1] }] });
    const cited = renderStreamedResultBlocks(view, 'gen-1')
      .map(textOf)
      .find((t) => t.startsWith('*Where each line comes from*'));
    expect(cited).toBe('*Where each line comes from*\n• I read your notes.[1] …');
    const late = result(`Dear Ada,\n\n${tail.trim()} ${early}\n\nBest`, {
      fills: [{ slot: 'a', text: early, sources: [1] }],
    });
    const lateCited = renderStreamedResultBlocks(late, 'gen-1')
      .map(textOf)
      .find((t) => t.startsWith('*Where each line comes from*'));
    expect(lateCited).toMatch(/^\*Where each line comes from\*\n• ….* and more I read your notes\.\[1\]$/);
    expect(lateCited!.length).toBeLessThanOrEqual('*Where each line comes from*\n• '.length + 280);
  });

  it('keeps a hostile source address from mentioning the channel or spoofing its link text', () => {
    const message = firstMessage(
      result('Hi.', {
        papers: [
          {
            id: '1',
            title: 'Paper',
            authors: [],
            year: 2024,
            abstract: '',
            url: 'https://arxiv.example/abs/1|Trusted',
            categories: [],
          },
        ],
        sources: [
          { n: 1, url: 'https://evil.example/?q=><!channel><', title: 'Notes' },
          { n: 2, url: 'https://evil.example/|Your bank', title: 'Spoof' },
          { n: 3, url: 'https://evil.example/?a=1&b=<@U0ADA>', title: 'Amp' },
          { n: 4, url: 'javascript:alert(1)', title: 'Sneaky' },
        ],
      }),
      'g',
    );
    const sources = message.blocks.map(textOf).find((t) => t.startsWith('*Sources*'))!;
    expect(sources).not.toContain('<!channel>');
    expect(sources).not.toContain('<@U0ADA>');
    expect(sources).toContain('[1] <https://evil.example/?q=%3E%3C!channel%3E%3C|Notes>');
    expect(sources).toContain('[2] <https://evil.example/%7CYour%20bank|Spoof>');
    expect(sources).toContain('[3] <https://evil.example/?a=1&amp;b=%3C@U0ADA%3E|Amp>');
    expect(sources).toContain('[4] Sneaky');
    expect(sources).not.toContain('javascript:');
    expect(sources).toContain('[5] <https://arxiv.example/abs/1%7CTrusted|Paper> (2024)');
    // Every link is exactly <address|text>: one `|`, no `<` or `>` inside.
    for (const link of sources.match(/<[^>]*>/g) ?? []) expect(link).toMatch(/^<https?:\/\/[^<>|\s]+\|[^<>|]*>$/);
  });

  it('marks a draft with its problems above the email', () => {
    const message = firstMessage(
      result('Dear {{name}}', { draft: true, problems: ['A placeholder is left: {{name}}'] }),
      'g',
    );
    const first = message.blocks.findIndex((b) => textOf(b).includes('Draft — check before sending'));
    const email = message.blocks.findIndex((b) => textOf(b) === 'Dear {{name}}');
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(email);
    expect(message.text).toContain('DRAFT');
  });

  it('puts the plain email in code blocks for copying, each within the limit', () => {
    const email = 'x'.repeat(7_000);
    const copy = renderCopy(email);
    for (const block of copy.blocks) {
      expect(textOf(block).length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
      expect(textOf(block)).toMatch(/^```[\s\S]*```$/);
    }
    expect(copy.blocks.map((b) => textOf(b).slice(3, -3)).join('')).toBe(email);
  });
});
