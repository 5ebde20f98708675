import { ComponentType, MessageFlags, type APIContainerComponent } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { joinPieces } from '../../../src/bots/split.ts';
import { draftModalId, parseDraftModalId, parseResultButton, WHO_IN_FORM_MAX } from '../../../src/bots/discord/ids.ts';
import { TEMPLATE_NAME_MAX } from '../../../src/requests/templates.ts';
import { renderDraftModal } from '../../../src/bots/discord/modal.ts';
import {
  COLORS,
  DISCORD_LIMITS,
  emailParts,
  escapeMarkdown,
  progressHeaderOf,
  renderFailure,
  renderIdentityQuestion,
  renderProgress,
  renderResult,
  renderReview,
  showsFile,
  type V2Message,
} from '../../../src/bots/discord/render.ts';
import { allComponents, buttonsIn, textDisplays } from '../../helpers/discord-v2.ts';
import { initialProgress } from '../../../src/thread/progress.ts';
import type { ResultView } from '../../../src/thread/reporter.ts';
import type { Source } from '../../../src/pipeline/types.ts';
import { validateMessage, validateModal, type ModalData } from '../../fakes/discord/validate.ts';
import { resultView } from '../../helpers/result-view.ts';

const GEN = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';

function result(email: string, extra: Partial<ResultView> = {}): ResultView {
  return resultView(email, {
    sources: [{ n: 1, url: 'https://uni.example/ada', title: 'Ada *and* the [Engine]' }],
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
    ...extra,
  });
}

/** Every message must be one Discord accepts (the fake applies Discord's limits, in code points). */
function expectValid(messages: V2Message[]): void {
  for (const m of messages) expect(validateMessage(m, false)).toBeNull();
}

/** The container of a V2 message (each progress and result message has one). */
function containerOf(message: V2Message): APIContainerComponent {
  const container = message.components.find((c) => c.type === ComponentType.Container);
  if (!container || container.type !== ComponentType.Container) throw new Error('no container');
  return container;
}

const idsOf = (buttons: ReturnType<typeof buttonsIn>) => buttons.map((b) => parseResultButton(b.custom_id ?? ''));

describe('Discord progress message (Components V2)', () => {
  it('shows the steps (the four, and who the recipient is) with state icons, seconds and escaped warnings, coloured by status', () => {
    const view = initialProgress('Dr. Ada Lovelace', 1);
    view.status = 'running';
    view.steps.parse = { state: 'done', seconds: 1.2, warnings: [] };
    view.steps.research = { state: 'running', warnings: [] };
    view.steps.arxiv = {
      state: 'done',
      seconds: 0.8,
      warnings: ['2 of 5 pages could not be read: *timeout* on https://x.example/a_b_c'],
    };
    const message = renderProgress(view, GEN, 'Requested by <@1>');
    expect(message.flags & MessageFlags.IsComponentsV2).toBeTruthy();
    expect(message).not.toHaveProperty('content');
    expect(message).not.toHaveProperty('embeds');
    // Who asked, above the container; the title and the steps inside it, then Cancel.
    const [title, steps] = textDisplays(containerOf(message));
    expect(textDisplays(message)[0]).toBe('Requested by <@1>');
    expect(title).toBe('### Drafting an email to Dr. Ada Lovelace');
    expect(containerOf(message).accent_color).toBe(COLORS.running);
    expect(steps?.split('\n')).toEqual([
      '✅ Reading the template — 1.2 s',
      '⏳ Researching the web',
      '◻️ Checking who the recipient is',
      '✅ Finding papers on arXiv — 0.8 s',
      // Markdown escaped, the URL left intact so it still links.
      '    ⚠️ 2 of 5 pages could not be read: \\*timeout\\* on https://x.example/a_b_c',
      '◻️ Writing the email',
    ]);
    expect(idsOf(buttonsIn(message))).toEqual([{ action: 'cancel', generationId: GEN }]);
    expect(progressHeaderOf(message)).toBe('Requested by <@1>');
    expect(validateMessage(message, false)).toBeNull();
    expect(containerOf(renderProgress({ ...view, status: 'failed', error: 'Exa is down' })).accent_color).toBe(
      COLORS.failed,
    );
    const done = renderProgress({ ...view, status: 'succeeded' }, GEN);
    expect(textDisplays(done)[0]).toBe('### Email to Dr. Ada Lovelace is ready');
    expect(buttonsIn(done)).toEqual([]);
    expect(progressHeaderOf(done)).toBeUndefined();
  });

  it("keeps a flood of warnings within the message's 4,000 characters and says how many were left out", () => {
    const view = initialProgress('Ada', 1);
    view.steps.research = {
      state: 'done',
      seconds: 5,
      warnings: Array.from({ length: 400 }, (_, i) => `page ${i} could not be read`),
    };
    const message = renderProgress(view, GEN, 'Requested by <@1>');
    expect(textDisplays(message).join('').length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Text);
    expect(textDisplays(message).at(-1)).toMatch(/… and \d+ more$/);
    expect(validateMessage(message, false)).toBeNull();
  });
});

describe('Discord result messages (Components V2)', () => {
  it('splits a 9,000-character email into messages of at most 2,000 characters, never mid-word, losing nothing', () => {
    // Long paragraphs, so the split must fall inside paragraphs (at sentences or spaces).
    const sentence = 'The analytical engine weaves algebraic patterns just as the loom weaves flowers and leaves. ';
    const email = Array.from({ length: 4 }, (_, i) => `Paragraph ${i}. ${sentence.repeat(25).trim()}`)
      .join('\n\n')
      .slice(0, 9_000);
    expect(email).toHaveLength(9_000);
    const messages = renderResult(result(email), GEN);
    const parts = emailParts(email);
    expect(parts.length).toBeGreaterThanOrEqual(5);
    expect(joinPieces(parts)).toBe(email);
    // Each piece is the first text display of a message of its own, in order.
    expect(messages.slice(0, parts.length).map((m) => textDisplays(m)[0])).toEqual(parts.map((p) => p.text));
    for (const part of parts.slice(0, -1)) {
      expect(part.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
      expect(part.separator).not.toBe(''); // cut at whitespace, so no word is broken
      expect(part.text).toMatch(/[a-z.]$/);
    }
    expectValid(messages);
  });

  it('keeps a long email bare, the subject above it, each line with its marks below', () => {
    const line = (i: number) => `your paper ${i} on *engines*`;
    const email = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i}: I read ${line(i)} ${'word '.repeat(40).trim()}.`,
    ).join('\n\n');
    const fills = Array.from({ length: 40 }, (_, i) => ({ slot: `[line ${i}]`, text: line(i), sources: [2, 1] }));
    const messages = renderResult(result(email, { fills, subject: 'About your *engines*' }), GEN);
    const parts = emailParts(email);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(textDisplays(messages[0]!).slice(0, 2)).toEqual(['**Subject:** About your \\*engines\\*', parts[0]!.text]);
    expect(messages.slice(1, parts.length).map((m) => textDisplays(m)[0])).toEqual(parts.slice(1).map((p) => p.text));
    const texts = messages.flatMap((m) => textDisplays(m));
    const marks = texts.find((t) => t.startsWith('**Where each line comes from**'))!;
    // Each line whole, its marks right after the fill, as Slack shows it.
    expect(marks.split('\n').slice(0, 2)).toEqual([
      '**Where each line comes from**',
      `> Paragraph 0: I read your paper 0 on \\*engines\\*\\[1\\]\\[2\\] ${'word '.repeat(40).trim()}.`,
    ]);
    // Every line is there, or the lines left out are counted; no mark is cut.
    expect(marks).toMatch(/> Paragraph 39: .*\\\[1\\\]\\\[2\\\] word.*\.$|… and \d+ more$/m);
    const sources = texts.findIndex((t) => t.includes('**Sources**'));
    expect(sources).toBeGreaterThanOrEqual(texts.indexOf(marks));
    expectValid(messages);
  });

  it('puts the sources after the email and the buttons, Copy among them, on the last message, inside its container', () => {
    const messages = renderResult(result('Dear Dr. Lovelace,\n\nI loved your notes.'), GEN);
    expect(messages).toHaveLength(1);
    const [only] = messages;
    expect(only!.components).toHaveLength(1);
    const texts = textDisplays(only!);
    expect(texts[0]).toBe('Dear Dr. Lovelace,\n\nI loved your notes.');
    expect(texts[1]).toBe(
      [
        '**Sources**',
        '**Web pages**',
        '\\[1\\] [Ada \\*and\\* the \\[Engine\\]](https://uni.example/ada)',
        '**arXiv papers**',
        '\\[2\\] [Notes on the Engine](https://arxiv.org/abs/2401.00010) (2024)',
      ].join('\n'),
    );
    const rows = containerOf(only!).components.filter((c) => c.type === ComponentType.ActionRow);
    expect(rows.map((row) => idsOf(buttonsIn({ components: [row] })))).toEqual([
      [
        { action: 'regenerate', generationId: GEN },
        { action: 'shorter', generationId: GEN },
        { action: 'fresh', generationId: GEN },
        { action: 'edit', generationId: GEN },
      ],
      // The outreach memory's and the follow-up's buttons on a row of their own: five, Discord's most.
      [
        { action: 'sent', generationId: GEN },
        { action: 'unsent', generationId: GEN },
        { action: 'remind', generationId: GEN },
        { action: 'replied', generationId: GEN },
        { action: 'unremind', generationId: GEN },
      ],
      [
        { action: 'feedback_up', generationId: GEN },
        { action: 'feedback_down', generationId: GEN },
      ],
      // 📋 Copy, then the links (Open in Gmail / Outlook carry no custom id).
      [{ action: 'copy', generationId: GEN }, undefined, undefined],
    ]);
    expect(
      buttonsIn(only!)
        .filter((b) => b.url)
        .map((b) => b.label),
    ).toEqual(['Open in Gmail', 'Open in Outlook']);
    expect(only!.flags).toBe(MessageFlags.IsComponentsV2 | MessageFlags.SuppressEmbeds);
    expectValid(messages);
  });

  it('keeps the email verbatim: markdown unescaped, mentions disabled, link previews off', () => {
    const email = 'Dear @everyone,\n\nYour *favourite* result is at https://x.example/a_(b).\n\n# Not a heading';
    const [message] = renderResult(result(email, { sources: [], papers: [] }), GEN);
    expect(textDisplays(message!)[0]).toBe(email);
    expect(message!.allowed_mentions).toEqual({ parse: [] });
    expect(message!.flags & MessageFlags.SuppressEmbeds).toBeTruthy();
  });

  it('fits a huge source list within 4,000 characters and 40 components per message, dropping none', () => {
    const sources: Source[] = Array.from({ length: 300 }, (_, i) => ({
      n: i + 1,
      url: `https://example.org/${i}/${'p'.repeat(80)}`,
      title: `A very long page title number ${i} `.repeat(5),
    }));
    const messages = renderResult(
      result('Dear Ada,\n\nHello.', { sources, draft: true, problems: ['No paper is named.'] }),
      GEN,
    );
    expect(messages.length).toBeGreaterThan(2);
    expectValid(messages);
    for (const m of messages) {
      expect(textDisplays(m).join('').length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Text);
      expect(allComponents(m.components).length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Components);
    }
    const all = messages.flatMap((m) => textDisplays(m)).join('\n');
    for (let n = 1; n <= 300; n++) expect(all).toContain(`\\[${n}\\] `);
    expect(textDisplays(messages[0]!)[0]).toBe('**⚠️ Draft — check before sending**\n• No paper is named.');
    expect(containerOf(messages[0]!).accent_color).toBe(COLORS.draft);
    // The buttons only on the last message.
    expect(messages.map((m) => buttonsIn(m).length > 0)).toEqual([...Array(messages.length - 1).fill(false), true]);
  });

  it('stays within the limits with everything at once: a batch label, an edit, To, About, notes, a long email, the .eml', () => {
    const email = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(60).trim()}.`).join('\n\n');
    const messages = renderResult(
      result(email, {
        batch: { position: 3, size: 12 },
        editedBy: '42',
        about: 'Ada Lovelace · University of London',
        notes: ['No web sources could be read.'],
        subject: 'Your notes',
        recipientEmail: { address: 'ada@uni.example', source: 1 },
        cost: { usd: 0.0123, seconds: 12.3 },
      }),
      GEN,
    );
    expectValid(messages);
    const text = messages.flatMap((m) => textDisplays(m)).join('\n');
    expect(textDisplays(messages[0]!)[0]).toContain('✉️ To Dr. Ada Lovelace · 3 of 12');
    for (const bit of ['✏️ Version 1 — edited by <@42>', '📧 To:', '👤 Ada Lovelace', 'ℹ️ No web sources', '-# ≈'])
      expect(text).toContain(bit);
    // Too long for a link: the .eml, shown by a File component in the message that carries it.
    expect(text).toContain('📎 Too long for a link');
    expect(messages.filter(showsFile)).toHaveLength(1);
  });

  it('links only http(s) addresses and keeps parentheses from ending a link early', () => {
    const [message] = renderResult(
      result('Hi.', {
        papers: [],
        sources: [
          { n: 1, url: 'https://en.example/wiki/Engine_(computing)', title: 'Engine (computing)' },
          { n: 2, url: 'javascript:alert(1)', title: 'Sneaky' },
        ],
      }),
      GEN,
    );
    const description = textDisplays(message!)[1]!;
    expect(description).toContain('\\[1\\] [Engine \\(computing\\)](https://en.example/wiki/Engine_%28computing%29)');
    expect(description).toContain('\\[2\\] Sneaky');
    expect(description).not.toContain('javascript:');
  });

  it('keeps a hostile source address from breaking out of its link or spoofing its text', () => {
    const [message] = renderResult(
      result('Hi.', {
        papers: [],
        sources: [
          { n: 1, url: 'https://evil.example/a) [Your bank](https://bank.example', title: 'Notes' },
          { n: 2, url: 'https://evil.example/x y?q=<@everyone>', title: 'Spaces' },
          { n: 3, url: 'https://evil.example/login', title: 'https://bank.example/login' },
          { n: 4, url: 'data:text/html,<script>1</script>', title: 'Data' },
        ],
      }),
      GEN,
    );
    const description = textDisplays(message!)[1]!;
    // One link per source: the address never closes the link early or starts another.
    expect(description).toContain(
      '\\[1\\] [Notes](https://evil.example/a%29%20%5BYour%20bank%5D%28https://bank.example)',
    );
    expect(description).toContain('\\[2\\] [Spaces](https://evil.example/x%20y?q=%3C@everyone%3E)');
    // A title that reads as an address shows the host it really opens.
    expect(description).toContain('\\[3\\] [evil.example](https://evil.example/login)');
    expect(description).not.toContain('](https://bank.example');
    expect(description).toContain('\\[4\\] Data');
    expect(description).not.toContain('data:');
  });

  it('escapes markdown but not inside URLs', () => {
    expect(escapeMarkdown('a_b *c* https://x.example/a_b [d]')).toBe('a\\_b \\*c\\* https://x.example/a_b \\[d\\]');
    expect(escapeMarkdown('# title\n> quote\n- item')).toBe('\\# title\n\\> quote\n\\- item');
  });
});

describe('Discord thread messages besides the progress and the result (Components V2)', () => {
  it('splits a research review of 20,000 characters and 300 sources within the limits, dropping nothing', () => {
    const summary = Array.from({ length: 400 }, (_, i) => `Fact ${i} about *Ada* [${(i % 300) + 1}].`).join(' ');
    const sources: Source[] = Array.from({ length: 300 }, (_, i) => ({
      n: i + 1,
      url: `https://example.org/${i}/${'p'.repeat(80)}`,
      title: `Page ${i}`,
    }));
    const messages = renderReview(
      { recipientName: 'Dr. Ada Lovelace', version: 1, summary, sources, papers: [], editedBy: '9' },
      GEN,
    );
    expect(messages.length).toBeGreaterThan(4);
    expectValid(messages);
    for (const m of messages) {
      expect(textDisplays(m).join('').length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Text);
      expect(containerOf(m).accent_color).toBe(COLORS.review);
    }
    const all = messages.flatMap((m) => textDisplays(m)).join(' ');
    for (let i = 0; i < 400; i++) expect(all).toContain(`Fact ${i} about \\*Ada\\*`);
    for (let n = 1; n <= 300; n++) expect(all).toContain(`[Page ${n - 1}](https://example.org/${n - 1}/`);
    expect(messages.map((m) => idsOf(buttonsIn(m)).map((b) => b?.action))).toEqual([
      ...Array(messages.length - 1).fill([]),
      ['write', 'research'],
    ]);
  });

  it('keeps "Which …?" within one message however long the names and labels', () => {
    const long = 'Λ'.repeat(3_000);
    const message = renderIdentityQuestion(
      {
        recipientName: long,
        version: 3,
        question: `Which ${long}?`,
        options: ['1', '2', '3', '4'].map((option) => ({ option, label: long, institution: long })),
        none: { option: 'none', label: 'None of these' },
      },
      GEN,
    );
    expectValid([message]);
    expect(textDisplays(message).join('').length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Text);
    expect(buttonsIn(message)).toHaveLength(5);
  });

  it('says a failure in a red container, cut to fit, with Retry only for a batch row', () => {
    const plain = renderFailure('x'.repeat(10_000));
    expectValid([plain]);
    expect(containerOf(plain).accent_color).toBe(COLORS.failed);
    expect(textDisplays(plain)[0]!.length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Text);
    expect(buttonsIn(plain)).toEqual([]);
    expect(idsOf(buttonsIn(renderFailure('Claude is overloaded.', GEN)))).toEqual([
      { action: 'retry', generationId: GEN },
    ]);
  });
});

describe('Discord /scribe form', () => {
  // The fake's view of a modal: the text inputs inside their labels.
  const inputs = (modal: ReturnType<typeof renderDraftModal>) =>
    (modal as unknown as ModalData).components.map((c) => c.component);

  it('has the three inputs, prefilled with the last template', () => {
    const modal = renderDraftModal('Dear {name},\n\nI enjoyed your work on {topic}.');
    expect(validateModal(modal as unknown as ModalData)).toBeNull();
    expect(inputs(modal).map((i) => i?.custom_id)).toEqual([
      'template',
      'recipient_name',
      'recipient_interest',
      'review_research',
      'personal_line',
    ]);
    expect(inputs(modal)[0]).toMatchObject({ value: 'Dear {name},\n\nI enjoyed your work on {topic}.', style: 2 });
    expect(renderDraftModal(undefined).components[0]).not.toHaveProperty('component.value');
  });

  it('carries `who` from the command in its custom id, shown under the name, within Discord limits', () => {
    const who = 'MIT CSAIL, https://orcid.org/0000-0002-1825-0097';
    const modal = renderDraftModal(undefined, { fresh: true, who });
    expect(validateModal(modal as unknown as ModalData)).toBeNull();
    expect(modal.custom_id.length).toBeLessThanOrEqual(100);
    expect(parseDraftModalId(modal.custom_id)).toEqual({ fresh: true, who });
    expect(modal.components[1]).toHaveProperty('description', `Who exactly: ${who}`);
    expect(parseDraftModalId(draftModalId({}))).toEqual({ fresh: false, who: undefined });
    expect(parseDraftModalId('scribe:drafty')).toBeUndefined();
    expect(draftModalId({ fresh: true, who: 'x'.repeat(WHO_IN_FORM_MAX) })).toHaveLength(100);
  });

  it('carries `who` and `save_as` together in one custom id, whatever characters they hold', () => {
    const saved = { saveAs: 'Lab: who: letter', name: undefined };
    const who = 'MIT :save:3:abc, 0000-0002-1825-0097';
    const modal = renderDraftModal(undefined, { fresh: true, who, saved });
    expect(validateModal(modal as unknown as ModalData)).toBeNull();
    expect(modal.custom_id).toBe(`scribe:draft:fresh:save:16:Lab: who: letter:who:${who}`);
    expect(parseDraftModalId(modal.custom_id)).toEqual({ fresh: true, who, saveAs: saved.saveAs });
    expect(parseDraftModalId(draftModalId({ saveAs: 'From the form' }))).toEqual({
      fresh: false,
      who: undefined,
      saveAs: 'From the form',
    });
    expect(parseDraftModalId(draftModalId({ who: ':save:2:ab' }))).toEqual({ fresh: false, who: ':save:2:ab' });
    // A name alone always fits; a name cut short, a bad count or anything after it is not this form.
    expect(draftModalId({ fresh: true, saveAs: 'x'.repeat(TEMPLATE_NAME_MAX) }).length).toBeLessThanOrEqual(100);
    for (const bad of [
      'scribe:draft:save:9:short',
      'scribe:draft:save:x:name',
      'scribe:draft:save:4:nameX',
      'scribe:draft:save:0:',
    ])
      expect(parseDraftModalId(bad)).toBeUndefined();
  });

  it('cuts a saved template over 4,000 characters at a boundary and says so', () => {
    const long = Array.from({ length: 60 }, (_, i) => `Line ${i}: ${'x'.repeat(90)}`).join('\n');
    const modal = renderDraftModal(long);
    expect(validateModal(modal as unknown as ModalData)).toBeNull();
    const value = inputs(modal)[0]?.value ?? '';
    expect(value.length).toBeLessThanOrEqual(4_000);
    expect(long.startsWith(`${value}\n`)).toBe(true);
    expect(modal.components[0]).toHaveProperty(
      'description',
      'Your last template is over 4,000 characters: only its beginning is shown here.',
    );
  });
});
