/**
 * The thread view as Discord messages: pure functions from the platform-neutral models, tested
 * without a network. Discord's limits shape this file:
 * - 2,000 characters of `content` per message;
 * - an embed's title 256 and description 4,096 characters; at most 10 embeds and 6,000 characters
 *   across all the embeds of one message;
 * - custom ids up to 100 characters.
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
 */
import { resultFooter } from '../shared/footer.ts';
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
} from 'discord.js';
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
import { markedEmail, markOf, numberedSources, shownSubject } from '../../thread/marks.ts';
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

/** One message of a result. Every field is set, so the same body can replace an earlier version. */
export interface ResultMessage {
  content: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
  allowed_mentions: typeof NO_MENTIONS;
  flags: number;
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

/** The progress message: one embed with the four steps, their seconds and warnings. */
export function renderProgress(view: ProgressView): APIEmbed {
  return {
    title: truncate(progressTitle(view), DISCORD_LIMITS.embedTitle),
    description: fitLines(progressLines(view).map(escapeMarkdown), DISCORD_LIMITS.embedDescription),
    color: COLORS[view.status],
  };
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

/** The result: the email, then the sources, then the Regenerate and Shorter buttons. */
export function renderResult(view: ResultView, generationId: string): ResultMessage[] {
  const messages: ResultMessage[] = emailParts(view.email).map((piece) => ({
    content: piece.text === '' ? '(empty)' : piece.text,
    embeds: [],
    components: [],
    allowed_mentions: NO_MENTIONS,
    flags: 0,
  }));
  if (view.draft) {
    messages[0]!.embeds.push({
      title: '⚠️ Draft — check before sending',
      description: fitLines(
        view.problems.map((p) => `• ${escapeMarkdown(p)}`),
        DISCORD_LIMITS.embedDescription,
      ),
      color: COLORS.draft,
    });
  }
  // Discord shows embeds under a message's content: the subject goes in a message of its own above.
  const subject = shownSubject(view);
  if (subject) messages.unshift(headerMessage(`**Subject:** ${escapeMarkdown(subject)}`));
  const tail: APIEmbed[] = [];
  const marks = marksEmbed(view);
  if (marks) tail.push(marks);
  if (view.editedBy) {
    // A mention in an embed pings no one.
    tail.push({ description: `✏️ Version ${view.version} — edited by <@${view.editedBy}>`, color: COLORS.info });
  }
  // Outside the content, which stays exactly the email (Copy Text).
  const to = toLine(view);
  if (to) tail.push({ description: `📧 ${escapeMarkdown(to)}`, color: COLORS.info });
  if (view.about) tail.push({ description: `👤 ${escapeMarkdown(view.about)}`, color: COLORS.info });
  if (view.notes.length) {
    tail.push({
      description: fitLines(
        view.notes.map((n) => `ℹ️ ${escapeMarkdown(n)}`),
        DISCORD_LIMITS.embedDescription,
      ),
      color: COLORS.info,
    });
  }
  tail.push(...sourceEmbeds(view));
  // Where the draft is when the links would be too long: by the buttons and the attached file.
  const links = handoffLinks(handoffOf(view), DISCORD_BUTTON_URL_MAX);
  if (links.eml) tail.push({ description: `📎 ${EML_NOTE}`, color: COLORS.info });
  // A batch's thread holds many emails: each says whom it is for, in an embed (the content stays
  // exactly the email, for Copy Text).
  const label = batchLabel(view);
  if (label) {
    const first = tail[0];
    if (first) first.author = { name: label };
    else tail.push({ author: { name: label }, color: COLORS.info });
  }
  const footer = resultFooter(view);
  if (footer) {
    // On the last embed when there is one; else an embed of its own (a footer needs an embed).
    const lastEmbed = tail[tail.length - 1];
    if (lastEmbed) lastEmbed.footer = { text: footer };
    else tail.push({ footer: { text: footer }, color: COLORS.info });
  }
  for (const embed of tail) {
    const last = messages[messages.length - 1]!;
    if (
      last.embeds.length < DISCORD_LIMITS.embedsPerMessage &&
      embedsSize([...last.embeds, embed]) <= DISCORD_LIMITS.embedTotal
    ) {
      last.embeds.push(embed);
    } else {
      messages.push({ content: '', embeds: [embed], components: [], allowed_mentions: NO_MENTIONS, flags: 0 });
    }
  }
  messages[messages.length - 1]!.components = [...resultButtons(generationId), ...linkRow(links)];
  // Link previews would clutter a message that holds only email text; our own embeds must stay.
  for (const m of messages) m.flags = m.embeds.length ? 0 : MessageFlags.SuppressEmbeds;
  return messages;
}

function headerMessage(description: string): ResultMessage {
  const embed = { description: truncate(description, DISCORD_LIMITS.embedDescription), color: COLORS.info };
  return { content: '', embeds: [embed], components: [], allowed_mentions: NO_MENTIONS, flags: 0 };
}

/**
 * "Where each line comes from": each personal line of the email with its source marks. The content
 * above stays the bare email, since Copy Text copies it; the marks live here, beside the Sources.
 */
export function marksEmbed(view: Pick<ResultView, 'email' | 'fills'>): APIEmbed | undefined {
  const lines = new Set<string>();
  for (const segment of markedEmail(view)) {
    if (!segment.sources) continue;
    const line = truncate(segment.text.replace(/\s+/g, ' '), 300);
    lines.add(`> ${escapeMarkdown(line)} ${escapeMarkdown(markOf(segment.sources))}`);
  }
  if (!lines.size) return undefined;
  return {
    title: 'Where each line comes from',
    description: fitLines([...lines], DISCORD_LIMITS.embedDescription),
    color: COLORS.info,
  };
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
 * *Open in Gmail* and *Open in Outlook* as link buttons (style Link, a `url`, no custom id: Discord
 * sends no interaction for them), in a row of their own; only those within Discord's 512 characters.
 * No `mailto:`: Discord's link buttons and masked links take http(s) only.
 */
export function linkRow(links: ReturnType<typeof handoffLinks>): ButtonRow[] {
  const buttons: APIButtonComponent[] = [];
  if (links.gmail)
    buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open in Gmail', url: links.gmail });
  if (links.outlook)
    buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open in Outlook', url: links.outlook });
  return buttons.length ? [{ type: ComponentType.ActionRow, components: buttons }] : [];
}

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

/**
 * The research for review: the summary in an embed (cut at the description limit, saying so),
 * the sources, and the *Write the email* and *Edit research* buttons. One message.
 */
export function renderReview(view: ReviewView, generationId: string): ResultMessage {
  const version = view.version > 1 ? ` (version ${view.version})` : '';
  const edited = view.editedBy ? `✏️ Edited by <@${view.editedBy}>\n\n` : '';
  const summary = escapeMarkdown(view.summary || '(No summary: nothing about the recipient could be read.)');
  const embeds: APIEmbed[] = [
    {
      title: truncate(`🔎 Research on ${view.recipientName}${version}: review it first`, DISCORD_LIMITS.embedTitle),
      description: truncate(`${edited}${summary}`, DISCORD_LIMITS.embedDescription),
      color: COLORS.review,
    },
  ];
  for (const embed of sourceEmbeds(view)) {
    if (embedsSize([...embeds, embed]) > DISCORD_LIMITS.embedTotal) break;
    embeds.push(embed);
  }
  return {
    content: '',
    embeds,
    components: [actionRow(REVIEW_ACTIONS, generationId)],
    allowed_mentions: NO_MENTIONS,
    flags: 0,
  };
}

/** Discord's most characters in a button's label. */
const BUTTON_LABEL_MAX = 80;

/**
 * "Which Jun Li?": an embed with each candidate's line (institution · main topic · one recent
 * title), numbered, then a button per candidate ("1 · MIT") and "None of these", whose custom ids
 * carry the option. Five buttons at most: four candidates and "None of these" fit one row.
 */
export function renderIdentityQuestion(view: IdentityQuestionView, generationId: string): ResultMessage {
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
  return {
    content: '',
    embeds: [
      {
        title: truncate(`❓ ${view.question}`, DISCORD_LIMITS.embedTitle),
        description: truncate(`${escapeMarkdown(intro)}\n\n${lines.join('\n')}`, DISCORD_LIMITS.embedDescription),
        color: COLORS.identity,
      },
    ],
    components: [{ type: ComponentType.ActionRow, components: buttons }],
    allowed_mentions: NO_MENTIONS,
    flags: 0,
  };
}

/** Characters Discord counts towards a message's 6,000 across its embeds. */
export function embedsSize(embeds: readonly APIEmbed[]): number {
  let n = 0;
  for (const e of embeds) {
    n +=
      (e.title?.length ?? 0) +
      (e.description?.length ?? 0) +
      (e.footer?.text.length ?? 0) +
      (e.author?.name.length ?? 0);
    for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  }
  return n;
}

/** The numbered web sources and the arXiv papers, as embeds within the description limit. */
export function sourceEmbeds(view: Pick<ReviewView, 'sources' | 'papers'>): APIEmbed[] {
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
  if (!lines.length) return [];
  // Each line is at most ~500 characters, so a split falls between lines.
  return splitText(lines.join('\n'), DISCORD_LIMITS.embedDescription).map((piece, i) => ({
    ...(i === 0 ? { title: 'Sources' } : {}),
    description: piece.text,
    color: COLORS.info,
  }));
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

/**
 * Said in the thread when a generation fails for good. With `retryFor` (a batch row's passing
 * failure: the row has no progress message to carry it) the message has the Retry button.
 */
export function renderFailure(
  message: string,
  retryFor?: string,
): Pick<ResultMessage, 'content' | 'allowed_mentions' | 'components'> {
  return {
    content: truncate(`❌ ${message}`, DISCORD_LIMITS.content),
    allowed_mentions: NO_MENTIONS,
    components: retryFor ? [actionRow(['retry'], retryFor)] : [],
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
