/**
 * The thread view as Discord messages: pure functions from the platform-neutral models, tested
 * without a network. Discord's limits shape this file:
 * - 2,000 characters of `content` per message;
 * - an embed's title 256 and description 4,096 characters; at most 10 embeds and 6,000 characters
 *   across all the embeds of one message;
 * - custom ids up to 100 characters.
 * - Components V2 (every message posted in a thread, flag `IS_COMPONENTS_V2`): no `content` or
 *   embeds, at most 40 components in all (nested ones count), at most 4,000 characters across the
 *   text displays of one message, a container holding at most 10 components.
 * Discord counts code points; we measure `String#length` (UTF-16 units), which is never fewer.
 *
 * Where the email goes — `content`, unescaped, not embeds. Discord's "Copy Text" (desktop and
 * mobile) copies a message's content exactly as sent, which is what a person pastes into their
 * mail client; an embed cannot be copied on mobile at all, and escaping markdown would put a
 * backslash before every `*` and `_` of each copy. The price: markdown in an email (rare — a
 * `*stressed*` word, a line starting `# `) shows as formatting on screen, while the copy stays
 * exact. Mentions are switched off (`allowed_mentions`), so an `@everyone` in an email pings no one,
 * and link previews are suppressed on messages that hold only email text. Everything else we write
 * (titles, warnings, sources) goes into embeds with markdown escaped.
 *
 * Since issue 23 every message Scribe posts in a thread is a Components V2 message (the progress,
 * the result, the research review, "Which …?", failure replies, follow-ups, the batch table, a line
 * said to one person): a container (coloured by status) holding text displays and the buttons —
 * no thread mixes embeds and containers. The email is still unescaped, in a text display of its own;
 * a V2 message has no `content`, so Copy Text no longer gives the bare email — the result's 📋 Copy
 * button does (an ephemeral reply whose `content` is exactly the email, see handlers.ts).
 */
import { resultFooter } from '../shared/footer.ts';
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  SeparatorSpacingSize,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInContainer,
  type APIContainerComponent,
  type APIMessageTopLevelComponent,
  type APITextDisplayComponent,
} from 'discord-api-types/v10';
import type { IdentityQuestionView, ProgressView, ResultView, ReviewView } from '../../thread/reporter.ts';
import { encodeChars, httpHref } from '../shared/links.ts';
import { splitText, type Piece } from '../split.ts';
import { progressLines, progressTitle } from '../text.ts';
import { ACTIONS, type ActionButton, type ActionKind } from '../../requests/actions.ts';
import {
  IDENTITY_ACTIONS,
  OUTREACH_ACTIONS,
  progressActions,
  RESULT_ACTIONS,
  RESULT_FEEDBACK,
  REVIEW_ACTIONS,
} from '../shared/buttons.ts';
import { personalLineButtonId, resultButtonId } from './ids.ts';
import { PERSONAL_LINE_CHOICES } from '../../requests/personal-line.ts';
import { citedLines, numberedSources, shownSubject } from '../../thread/marks.ts';
import { DISCORD_BUTTON_URL_MAX, emlFileName, emlOf, handoffLinks, handoffOf, toLine } from '../../thread/handoff.ts';

export const DISCORD_LIMITS = {
  content: 2_000,
  embedTitle: 256,
  embedAuthorName: 256,
  embedDescription: 4_096,
  embedsPerMessage: 10,
  embedTotal: 6_000,
  textInputValue: 4_000,
  /** Action rows per message, and buttons per row. */
  actionRows: 5,
  buttonsPerRow: 5,
  /** Components V2: components in one message, nested ones included. */
  v2Components: 40,
  /** Components V2: characters across all the text displays of one message. */
  v2Text: 4_000,
  /** Components V2: components directly inside one container. */
  containerChildren: 10,
} as const;

export const COLORS = {
  queued: 0x99aab5,
  running: 0x5865f2,
  retrying: 0xfee75c,
  succeeded: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x4f545c,
  review: 0xeb459e,
  identity: 0xeb459e,
  draft: 0xfee75c,
  info: 0x4f545c,
} as const;

/** Nobody is pinged by what Scribe posts. */
export const NO_MENTIONS = { parse: [] as [] };

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

/**
 * A Components V2 message (every message Scribe posts in a thread): no content, no embeds, the
 * flag set on every send and edit (Discord refuses an edit that drops it).
 */
export interface V2Message {
  components: APIMessageTopLevelComponent[];
  allowed_mentions: typeof NO_MENTIONS;
  flags: number;
}

/** Components V2, and no link previews (our text holds the sources' addresses). */
export const V2_FLAGS = MessageFlags.IsComponentsV2 | MessageFlags.SuppressEmbeds;

export function textDisplay(content: string): APITextDisplayComponent {
  return { type: ComponentType.TextDisplay, content };
}

export const SEPARATOR: APIComponentInContainer = {
  type: ComponentType.Separator,
  divider: true,
  spacing: SeparatorSpacingSize.Small,
};

/**
 * One container coloured `color` holding `children`, with an optional `header` line above it (who
 * asked: a V2 edit replaces every component, so an edit must send it again — see `progressHeaderOf`).
 */
export function v2Message(children: APIComponentInContainer[], color: number, header?: string): V2Message {
  const container: APIContainerComponent = { type: ComponentType.Container, accent_color: color, components: children };
  return {
    components: header ? [textDisplay(header), container] : [container],
    allowed_mentions: NO_MENTIONS,
    flags: V2_FLAGS,
  };
}

/**
 * What an edit must add to turn `current` into a Components V2 message: nothing when it already is
 * one; otherwise its content and embeds emptied (Discord refuses to set the flag on a message that
 * keeps them — a message posted before the switch, edited after it).
 */
export function upgradeFields(current: { flags?: number | undefined }): { content?: null; embeds?: [] } {
  return ((current.flags ?? 0) & MessageFlags.IsComponentsV2) !== 0 ? {} : { content: null, embeds: [] };
}

/** A file sent with a message (the `.eml` draft): multipart, as discord.js sends `files`. */
export interface MessageFile {
  name: string;
  data: Buffer;
  contentType: string;
}

const URL_PATTERN = /https?:\/\/[^\s<>]+/g;

/** Escapes Discord markdown outside URLs (a backslash inside a URL would break the link). */
export function escapeMarkdown(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    out += escapePlain(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapePlain(text.slice(last));
}

function escapePlain(text: string): string {
  return text.replace(/[\\*_~`|[\]<>]/g, '\\$&').replace(/^(\s*)([#>-])/gm, '$1\\$2');
}

/** Cuts `text` to `max` characters at a boundary, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${splitText(text, max - 1)[0]!.text}…`;
}

/** Lines joined by newlines, dropping the ones that do not fit and saying how many. */
function fitLines(lines: readonly string[], max: number): string {
  const kept: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const more = `… and ${lines.length - i} more`;
    const next = length + (kept.length ? 1 : 0) + line.length;
    const roomForNote = i === lines.length - 1 ? max : max - more.length - 1;
    if (next > roomForNote) {
      kept.push(more);
      return kept.join('\n').slice(0, max);
    }
    kept.push(line);
    length = next;
  }
  return kept.join('\n');
}

/** The progress message's title line, as a text display's heading. */
const PROGRESS_TITLE_MAX = 256;
/** What the requester line ("Requested by @Ada") may take of the 4,000. */
const PROGRESS_HEADER_MAX = 300;

/**
 * The progress message, Components V2: a line saying who asked (`header`, above the container),
 * then a container coloured by status with the title, the four steps (their seconds and
 * warnings), — while it runs, with `emailSoFar` — a divider and the email as far as it is written
 * (unescaped, as the result shows it; its tail when it does not fit), and — with a generation id —
 * the Cancel or Retry button inside it.
 */
export function renderProgress(
  view: ProgressView,
  generationId?: string,
  header?: string,
  emailSoFar?: string,
): V2Message {
  const shownHeader = header === undefined ? undefined : truncate(header, PROGRESS_HEADER_MAX);
  const title = `### ${escapeMarkdown(truncate(progressTitle(view), PROGRESS_TITLE_MAX))}`;
  const steps = fitLines(
    progressLines(view).map(escapeMarkdown),
    DISCORD_LIMITS.v2Text - PROGRESS_TITLE_MAX - 4 - PROGRESS_HEADER_MAX,
  );
  const children: APIComponentInContainer[] = [textDisplay(title), textDisplay(steps)];
  if (emailSoFar && view.status === 'running') {
    const room = DISCORD_LIMITS.v2Text - (shownHeader?.length ?? 0) - title.length - steps.length;
    const tail = emailTail(emailSoFar, room);
    if (tail) children.push(SEPARATOR, textDisplay(tail));
  }
  if (generationId) children.push(...progressComponents(view, generationId));
  return v2Message(children, COLORS[view.status], shownHeader);
}

/** Below this much room the streamed email is not shown at all (the steps took the message). */
const STREAM_MIN_ROOM = 200;

/**
 * The email so far within `room` characters: whole when it fits, else "…" and its end, from a word
 * boundary (the newest words are the ones being written). Undefined when there is nothing to show
 * or no room.
 */
export function emailTail(email: string, room: number): string | undefined {
  if (!email.trim() || room < STREAM_MIN_ROOM) return undefined;
  if (email.length <= room) return email;
  const start = email.length - (room - 1);
  const space = email.slice(start).search(/\s/);
  const tail = space >= 0 && start + space + 1 < email.length ? email.slice(start + space + 1) : email.slice(start);
  return `…${tail}`;
}

/**
 * The requester line of a progress or batch message as posted ("Requested by <@…>"), to keep on an
 * edit: a V2 edit replaces every component, and the worker does not know who asked. A message posted
 * before the switch to V2 had that line as its content.
 */
export function progressHeaderOf(message: {
  components?: unknown[] | undefined;
  content?: string | undefined;
  flags?: number | undefined;
}): string | undefined {
  if (((message.flags ?? 0) & MessageFlags.IsComponentsV2) === 0) return message.content || undefined;
  const [first] = message.components ?? [];
  if (typeof first !== 'object' || first === null) return undefined;
  const { type, content } = first as { type?: unknown; content?: unknown };
  return type === ComponentType.TextDisplay && typeof content === 'string' ? content : undefined;
}

/** The progress message's buttons: Cancel while it waits or runs, Retry after a passing failure. */
export function progressComponents(view: ProgressView, generationId: string): ButtonRow[] {
  const actions = progressActions(view);
  return actions.length ? [actionRow(actions, generationId)] : [];
}

/** The thread's name: "Email to Dr. Ada Lovelace" within Discord's 100 characters. */
export function threadName(recipientName: string): string {
  return truncate(`Email to ${recipientName}`, 100);
}

/**
 * The email as message-sized pieces: split at paragraph breaks, then lines, sentences, words —
 * never mid-word (a single "word" over 2,000 characters, a URL, is the only exception).
 * `joinPieces(emailParts(email)) === email`.
 */
export function emailParts(email: string): Piece[] {
  return splitText(email, DISCORD_LIMITS.content);
}

/** What the lines above the email (the batch label, subject, draft problems) may take of a message's 4,000. */
const RESULT_HEADER_MAX = 1_800;

/** One block of a result: a component for a container, its text (counted towards 4,000) and its components. */
interface Block {
  component: APIComponentInContainer;
  text: number;
  count: number;
  /** Starts a message of its own (each piece of the email). */
  fresh?: boolean;
}

function textBlock(content: string, fresh = false): Block {
  return { component: textDisplay(content), text: content.length, count: 1, ...(fresh ? { fresh } : {}) };
}

function rowBlock(row: ButtonRow): Block {
  return { component: row, text: 0, count: 1 + row.components.length };
}

/**
 * The result, Components V2: each message is a container. The first holds the batch label, the
 * subject and the draft's problems, then the email's first piece (unescaped, a text display of its
 * own); each further piece of a long email opens a message of its own, so the email reads in order
 * and splits where `emailParts` splits it. After the email: where each line comes from, who edited
 * it, To, About, notes, the sources, the .eml note and the footer, then the buttons (the last
 * message's). Blocks that would break a message's limits (40 components, 4,000 characters, 10 per
 * container) go on into a new message.
 */
export function renderResult(view: ResultView, generationId: string): V2Message[] {
  const head: string[] = [];
  const label = batchLabel(view);
  if (label) head.push(`-# ${escapeMarkdown(label)}`);
  const subject = shownSubject(view);
  if (subject) head.push(`**Subject:** ${escapeMarkdown(truncate(subject, 300))}`);
  if (view.draft) {
    head.push(
      `**⚠️ Draft — check before sending**\n${fitLines(
        view.problems.map((p) => `• ${escapeMarkdown(p)}`),
        RESULT_HEADER_MAX - 300 - 300 - 40,
      )}`,
    );
  }
  const blocks: Block[] = [];
  if (head.length) blocks.push(textBlock(truncate(head.join('\n'), RESULT_HEADER_MAX)));
  for (const [i, piece] of emailParts(view.email).entries())
    blocks.push(textBlock(piece.text === '' ? '(empty)' : piece.text, i > 0));
  const tail: string[] = [];
  const marks = marksText(view);
  if (marks) tail.push(marks);
  // A mention in a message whose allowed_mentions is empty pings no one.
  if (view.editedBy) tail.push(`✏️ Version ${view.version} — edited by <@${view.editedBy}>`);
  const to = toLine(view);
  if (to) tail.push(`📧 ${escapeMarkdown(to)}`);
  if (view.about) tail.push(`👤 ${escapeMarkdown(view.about)}`);
  if (view.notes.length)
    tail.push(
      fitLines(
        view.notes.map((n) => `ℹ️ ${escapeMarkdown(n)}`),
        TAIL_BLOCK_MAX,
      ),
    );
  tail.push(...sourceTexts(view));
  // Where the draft is when the links would be too long: by the buttons and the attached file.
  const links = handoffLinks(handoffOf(view), DISCORD_BUTTON_URL_MAX);
  if (links.eml) tail.push(`📎 ${EML_NOTE}`);
  const footer = resultFooter(view);
  if (footer) tail.push(`-# ${escapeMarkdown(footer)}`);
  // The email and what is about it, apart: a divider.
  if (tail.length) blocks.push({ component: SEPARATOR, text: 0, count: 1 });
  blocks.push(...mergeTexts(tail).map((t) => textBlock(t)));
  // A V2 message shows an attachment only through a component: the .eml as a File, by the buttons.
  const draft = resultDraftFile(view);
  if (draft)
    blocks.push({
      component: { type: ComponentType.File, file: { url: `attachment://${draft.name}` } },
      text: 0,
      count: 1,
    });
  for (const row of [...resultButtons(generationId), ...linkRow(links, generationId)]) blocks.push(rowBlock(row));
  return packBlocks(blocks, view.draft ? COLORS.draft : COLORS.succeeded);
}

/** Whether a result message shows the attached .eml (its File component): it is sent with that message. */
export function showsFile(message: V2Message): boolean {
  return message.components.some(
    (c) => c.type === ComponentType.Container && c.components.some((x) => x.type === ComponentType.File),
  );
}

/** Each tail text is at most this long, so it always fits a message of its own. */
const TAIL_BLOCK_MAX = 3_900;

/** Neighbouring texts joined (a blank line between) while they fit one text display: fewer components. */
function mergeTexts(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const last = out[out.length - 1];
    if (last !== undefined && last.length + 2 + text.length <= TAIL_BLOCK_MAX)
      out[out.length - 1] = `${last}\n\n${text}`;
    else out.push(text);
  }
  return out;
}

/** Blocks into V2 messages of one container each, within Discord's limits. */
function packBlocks(blocks: readonly Block[], color: number): V2Message[] {
  const messages: { children: APIComponentInContainer[]; text: number; count: number }[] = [];
  for (const block of blocks) {
    const last = messages[messages.length - 1];
    const fits =
      last &&
      !block.fresh &&
      last.children.length < DISCORD_LIMITS.containerChildren &&
      last.text + block.text <= DISCORD_LIMITS.v2Text &&
      last.count + block.count <= DISCORD_LIMITS.v2Components;
    if (fits) {
      last.children.push(block.component);
      last.text += block.text;
      last.count += block.count;
    } else {
      // A new message: its container counts as one component.
      messages.push({ children: [block.component], text: block.text, count: 1 + block.count });
    }
  }
  return messages.map((m) => v2Message(m.children, color));
}

/**
 * "Where each line comes from": each line of the email holding a personal fill, with its source
 * marks (`citedLines`, as Slack shows it), quoted. The email above stays bare (Copy gives it); the
 * marks live here, beside the Sources.
 */
export function marksText(view: Pick<ResultView, 'email' | 'fills'>): string | undefined {
  const lines = citedLines(view).map((line) => `> ${escapeMarkdown(line)}`);
  if (!lines.length) return undefined;
  return fitLines(['**Where each line comes from**', ...lines], TAIL_BLOCK_MAX);
}

/**
 * The buttons under a result, from the action table: Regenerate, Shorter, … in rows of at most
 * five, then 👍 / 👎 in a row of their own (as Slack shows them apart). At most five rows.
 */
export function resultButtons(generationId: string): ButtonRow[] {
  const rows: ButtonRow[] = [];
  const versions = RESULT_ACTIONS.filter((kind) => !OUTREACH_ACTIONS.includes(kind));
  for (let i = 0; i < versions.length; i += DISCORD_LIMITS.buttonsPerRow)
    rows.push(actionRow(versions.slice(i, i + DISCORD_LIMITS.buttonsPerRow), generationId));
  // Mark as sent and Not sent: about the email once it left the chat, on a row of their own.
  rows.push(actionRow(OUTREACH_ACTIONS, generationId));
  rows.push({
    type: ComponentType.ActionRow,
    components: RESULT_FEEDBACK.map((kind) => feedbackButton(kind, generationId)),
  });
  if (rows.length > DISCORD_LIMITS.actionRows)
    throw new Error(`A result needs ${rows.length} rows of buttons; Discord takes ${DISCORD_LIMITS.actionRows}`);
  return rows;
}

/** 👍 or 👎: the emoji alone (no label), plain. */
function feedbackButton(kind: ActionKind, generationId: string): APIButtonComponent {
  return {
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    emoji: { name: ACTIONS[kind].button.emoji },
    custom_id: resultButtonId(kind, generationId),
  };
}

/** Said when the email is too long for Discord's links: the `.eml` attached to the result's last message. */
export const EML_NOTE =
  'Too long for a link: the draft is attached as an .eml file — open it in Outlook, Apple Mail or Thunderbird.';

/**
 * 📋 Copy, then *Open in Gmail* and *Open in Outlook* as link buttons (style Link, a `url`, no custom
 * id: Discord sends no interaction for them), in a row of their own; only links within Discord's 512 characters.
 * No `mailto:`: Discord's link buttons and masked links take http(s) only.
 */
export function linkRow(links: ReturnType<typeof handoffLinks>, generationId: string): ButtonRow[] {
  const buttons: APIButtonComponent[] = [
    {
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      label: COPY_BUTTON.label,
      emoji: { name: COPY_BUTTON.emoji },
      custom_id: resultButtonId('copy', generationId),
    },
  ];
  if (links.gmail)
    buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open in Gmail', url: links.gmail });
  if (links.outlook)
    buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open in Outlook', url: links.outlook });
  return [{ type: ComponentType.ActionRow, components: buttons }];
}

/** 📋 Copy: the bare email, as an ephemeral reply's content (a V2 message has no content to copy). */
export const COPY_BUTTON = { label: 'Copy', emoji: '📋' } as const;

/** The `.eml` draft to attach to the result's last message, when the email is too long for the links. */
export function resultDraftFile(view: ResultView): MessageFile | undefined {
  const handoff = handoffOf(view);
  if (!handoffLinks(handoff, DISCORD_BUTTON_URL_MAX).eml) return undefined;
  return {
    name: emlFileName(view.recipientName, view.version),
    data: Buffer.from(emlOf(handoff), 'utf8'),
    contentType: 'message/rfc822',
  };
}

const BUTTON_STYLES = { primary: ButtonStyle.Primary, danger: ButtonStyle.Danger } as const;

/** An action's button, as the action table describes it. */
function actionButton(kind: ActionKind, generationId: string): APIButtonComponent {
  const { label, emoji, emphasis }: ActionButton = ACTIONS[kind].button;
  return {
    type: ComponentType.Button,
    style: (emphasis ? BUTTON_STYLES[emphasis] : ButtonStyle.Secondary) as ButtonStyle.Primary,
    label,
    emoji: { name: emoji },
    custom_id: resultButtonId(kind, generationId),
  };
}

/** The no-placeholder question's answers, one button per place (and none), starting the held request `key`. */
export function personalLineButtons(key: string): ButtonRow[] {
  return [
    {
      type: ComponentType.ActionRow,
      components: PERSONAL_LINE_CHOICES.map((c) => ({
        type: ComponentType.Button,
        style: (c.value === 'none' ? ButtonStyle.Secondary : ButtonStyle.Primary) as ButtonStyle.Primary,
        label: c.button,
        custom_id: personalLineButtonId(c.value, key),
      })),
    },
  ];
}

/** One row of action buttons (at most `BUTTONS_PER_ROW`). */
function actionRow(actions: readonly ActionKind[], generationId: string): ButtonRow {
  return { type: ComponentType.ActionRow, components: actions.map((kind) => actionButton(kind, generationId)) };
}

/** Each piece of a review's summary: with the title and the edit line it fits one message's 4,000. */
const SUMMARY_PIECE_MAX = 3_500;

/**
 * The research for review, Components V2: a container with the title, who edited it, the summary
 * (escaped; a long one split at paragraph, line, sentence or word boundaries, never cut), a divider,
 * the sources, then the *Write the email* and *Edit research* buttons. Blocks that would break a
 * message's limits go on into a new message, the buttons on the last one.
 */
export function renderReview(view: ReviewView, generationId: string): V2Message[] {
  const version = view.version > 1 ? ` (version ${view.version})` : '';
  const title = truncate(`🔎 Research on ${view.recipientName}${version}: review it first`, DISCORD_LIMITS.embedTitle);
  const blocks: Block[] = [textBlock(`### ${escapeMarkdown(title)}`)];
  // A mention in a message whose allowed_mentions is empty pings no one.
  if (view.editedBy) blocks.push(textBlock(`✏️ Edited by <@${view.editedBy}>`));
  const summary = escapeMarkdown(view.summary || '(No summary: nothing about the recipient could be read.)');
  for (const piece of splitText(summary, SUMMARY_PIECE_MAX)) if (piece.text.trim()) blocks.push(textBlock(piece.text));
  const sources = sourceTexts(view);
  if (sources.length) blocks.push({ component: SEPARATOR, text: 0, count: 1 });
  blocks.push(...sources.map((t) => textBlock(t)));
  blocks.push(rowBlock(actionRow(REVIEW_ACTIONS, generationId)));
  return packBlocks(blocks, COLORS.review);
}

/** Discord's most characters in a button's label. */
const BUTTON_LABEL_MAX = 80;

/** What the question's intro and candidate lines may take of the 4,000 (the title takes the rest). */
const IDENTITY_TEXT_MAX = 3_500;

/**
 * "Which Jun Li?", Components V2: a container with the question, each candidate's line
 * (institution · main topic · one recent title), numbered, then a button per candidate ("1 · MIT")
 * and "None of these", whose custom ids carry the option. Five buttons at most: four candidates
 * and "None of these" fit one row.
 */
export function renderIdentityQuestion(view: IdentityQuestionView, generationId: string): V2Message {
  const [kind] = IDENTITY_ACTIONS;
  const place = view.batch ? ` (email ${view.batch.position} of ${view.batch.size})` : '';
  const version = view.version > 1 ? ` (version ${view.version})` : '';
  const intro = `Several people called ${view.recipientName} could be the one you mean${place}${version}. Which is it? The email is written once you say.`;
  const lines = view.options.map((o) => `**${o.option}.** ${escapeMarkdown(o.label)}`);
  const button = (label: string, option: string): APIButtonComponent => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    label: truncate(label, BUTTON_LABEL_MAX),
    custom_id: resultButtonId(kind ?? 'choose', generationId, option),
  });
  const buttons = [
    ...view.options.map((o) => button(`${o.option} · ${o.institution}`, o.option)),
    button(view.none.label, view.none.option),
  ].slice(0, DISCORD_LIMITS.buttonsPerRow);
  return v2Message(
    [
      textDisplay(`### ${escapeMarkdown(truncate(`❓ ${view.question}`, DISCORD_LIMITS.embedTitle))}`),
      textDisplay(truncate(`${escapeMarkdown(intro)}\n\n${lines.join('\n')}`, IDENTITY_TEXT_MAX)),
      { type: ComponentType.ActionRow, components: buttons },
    ],
    COLORS.identity,
  );
}

/** The numbered web sources and the arXiv papers, as lines of markdown (none: no sources). */
function sourceLines(view: Pick<ReviewView, 'sources' | 'papers'>): string[] {
  const lines: string[] = [];
  const numbered = numberedSources(view);
  const web = numbered.filter((c) => c.kind === 'web');
  const papers = numbered.filter((c) => c.kind === 'paper');
  if (web.length) {
    lines.push('**Web pages**');
    for (const s of web) lines.push(`\\[${s.n}\\] ${link(s.title || hostOf(s.url), s.url)}`);
  }
  if (papers.length) {
    lines.push('**arXiv papers**');
    for (const p of papers) lines.push(`\\[${p.n}\\] ${link(p.title, p.url)} (${p.year})`);
  }
  return lines;
}

/** The sources as text displays' markdown, each within a tail block (the result, the review). */
export function sourceTexts(view: Pick<ReviewView, 'sources' | 'papers'>): string[] {
  const lines = sourceLines(view);
  if (!lines.length) return [];
  return splitText(['**Sources**', ...lines].join('\n'), TAIL_BLOCK_MAX).map((piece) => piece.text);
}

/** Links longer than this are shown by their host: a masked link's address is the part people cannot see. */
const MAX_HREF = 500;

/**
 * A source's address as a masked-link target, or undefined when it is not a plain http(s) URL.
 * `new URL().href` percent-encodes spaces, quotes and `<>`; the parentheses that would end the
 * link early (`[t](https://a.example/x) [Bank](https://evil.example)`) are encoded by hand.
 */
export function safeHref(url: string): string | undefined {
  const href = httpHref(url);
  if (href === undefined) return undefined;
  const encoded = encodeChars(href, /[()[\]<>\s]/g);
  return encoded.length <= MAX_HREF ? encoded : undefined;
}

/** Text that reads as an address: as a masked link's text it could promise one site and open another. */
const LOOKS_LIKE_ADDRESS = /:\/\/|www\.|^[a-z\d-]+(\.[a-z\d-]+)+(\/\S*)?$/i;

/** A masked link; non-http(s) addresses are shown as text, never linked; a title that looks like an address is replaced by the real host. */
function link(title: string, url: string): string {
  const href = safeHref(url);
  const clean = truncate(title.replace(/\s+/g, ' ').trim(), 200);
  if (!href) return escapeMarkdown(clean || url).replace(/[()]/g, '\\$&');
  const shown = !clean || LOOKS_LIKE_ADDRESS.test(clean) ? hostOf(href) : clean;
  return `[${escapeMarkdown(shown).replace(/[()]/g, '\\$&')}](${href})`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** A failure reply's text: within one text display of a message's 4,000. */
const FAILURE_MAX = 3_900;

/**
 * Said in the thread when a generation fails for good, Components V2: a red container with the
 * words. With `retryFor` (a batch row's passing failure: the row has no progress message to carry
 * it) the container has the Retry button.
 */
export function renderFailure(message: string, retryFor?: string): V2Message {
  const children: APIComponentInContainer[] = [textDisplay(truncate(`❌ ${message}`, FAILURE_MAX))];
  if (retryFor) children.push(actionRow(['retry'], retryFor));
  return v2Message(children, COLORS.failed);
}

/**
 * A short line said in the thread to one person (a reaction has no interaction to answer
 * privately), Components V2: the mention pings them, and only them.
 */
export function renderTell(
  userId: string,
  text: string,
): Omit<V2Message, 'allowed_mentions'> & {
  allowed_mentions: { users: string[] };
} {
  return {
    ...v2Message([textDisplay(truncate(`<@${userId}> ${text}`, FAILURE_MAX))], COLORS.info),
    allowed_mentions: { users: [userId] },
  };
}

/** "To Dr. Ada Lovelace · 3 of 12": a batch email's label, outside the email's copyable text. */
export function batchLabel(view: Pick<ResultView, 'recipientName' | 'batch'>): string | undefined {
  if (!view.batch) return undefined;
  return truncate(
    `✉️ To ${view.recipientName} · ${view.batch.position} of ${view.batch.size}`,
    DISCORD_LIMITS.embedAuthorName,
  );
}
