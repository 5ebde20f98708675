/**
 * Block Kit for the thread view: pure functions from the platform-neutral models, so they are
 * tested without a network. Slack limits that shape this file:
 * - a section's text is at most 3,000 characters (longer is rejected with `invalid_blocks`);
 * - at most 50 blocks per message;
 * - a message's `text` (the notification and search fallback) is cut by Slack past 40,000.
 */
import { resultFooter } from '../shared/footer.ts';
import type { IdentityQuestionView, ProgressView, ResultView, ReviewView } from '../../thread/reporter.ts';
import { encodeChars, httpHref } from '../shared/links.ts';
import { splitText } from '../split.ts';
import { progressLines, progressTitle, resultText } from '../text.ts';
import { ACTIONS, type ActionButton, type ButtonAction } from '../../requests/actions.ts';
import {
  IDENTITY_ACTIONS,
  progressActions,
  RESULT_ACTIONS,
  RESULT_FEEDBACK,
  REVIEW_ACTIONS,
} from '../shared/buttons.ts';
import {
  FEEDBACK_ACTION_ID,
  FEEDBACK_BLOCK_ID,
  feedbackValue,
  LINK_BUTTON_IDS,
  optionButtonId,
  RESULT_BUTTON_IDS,
} from './ids.ts';
import { handoffLinks, handoffOf, SLACK_BUTTON_URL_MAX, toLine } from '../../thread/handoff.ts';
import { citedLines, markedEmail, markedText, numberedSources, shownSubject } from '../../thread/marks.ts';

export const SLACK_SECTION_LIMIT = 3_000;
export const SLACK_MAX_BLOCKS = 50;

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Escapes text for mrkdwn: Slack treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A source's address as a link target Slack cannot be tricked by, or undefined when it is not a
 * plain http(s) URL. `new URL().href` percent-encodes `<`, `>`, spaces and quotes; `|` (which
 * would start the link text: `<https://evil.example/|Your bank>`) is encoded by hand, and `&` is
 * escaped as mrkdwn wants. Without this `https://evil.example/?q=><!channel><` pings the channel.
 */
export function safeHref(url: string): string | undefined {
  const href = httpHref(url);
  return href === undefined ? undefined : encodeChars(href, /[|<>]/g).replace(/&/g, '&amp;');
}

/** `<href|title>`, or the title (or address) as plain text when the address is not a safe link. */
export function mrkdwnLink(url: string, title: string): string {
  const href = safeHref(url);
  const text = escapeMrkdwn((title.replace(/\s+/g, ' ').trim() || url).slice(0, 300));
  return href ? `<${href}|${text}>` : text;
}

const section = (text: string, type: 'mrkdwn' | 'plain_text' = 'mrkdwn'): SlackBlock => ({
  type: 'section',
  text: type === 'plain_text' ? { type, text, emoji: true } : { type, text },
});

const context = (text: string): SlackBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/** Sections holding `text`, each within the section limit, split at paragraph breaks. */
function sections(text: string, type: 'mrkdwn' | 'plain_text'): SlackBlock[] {
  return splitText(text, SLACK_SECTION_LIMIT).map((piece) => section(piece.text, type));
}

/**
 * The progress message: the title, then each step with its state, seconds and warnings; with the
 * generation's id, its buttons (Cancel while it waits or runs, Retry after a passing failure).
 */
export function renderProgress(view: ProgressView, generationId?: string): SlackMessage {
  const title = progressTitle(view);
  const lines = progressLines(view).map(escapeMrkdwn);
  const blocks = [section(`*${escapeMrkdwn(title)}*`), ...sections(lines.join('\n'), 'mrkdwn')];
  const buttons = generationId ? progressButtons(view, generationId) : [];
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'scribe_progress_actions', elements: buttons });
  return { text: escapeMrkdwn(title), blocks };
}

function progressButtons(view: ProgressView, generationId: string): SlackBlock[] {
  return progressActions(view).map((kind) => actionButton(kind, generationId));
}

/**
 * A failure said in the thread: plain words, what to do next. With `retryFor` (a batch row's
 * passing failure: the row has no progress message to carry it) the reply has the Retry button.
 */
export function renderFailure(message: string, retryFor?: string): SlackMessage {
  const text = `❌ ${escapeMrkdwn(message)}`;
  const blocks = sections(text, 'mrkdwn');
  if (retryFor)
    blocks.push({
      type: 'actions',
      block_id: 'scribe_failure_actions',
      elements: [actionButton('retry', retryFor)],
    });
  return { text, blocks };
}

/**
 * The result as one or more messages of at most 50 blocks each, nothing trimmed: the heading
 * first, the email as plain text (so nothing in it is read as formatting and it copies exactly)
 * split across sections at paragraph breaks, then the sources, the buttons on the last message.
 * The first message's `text` (notifications and search) holds the plain email; later ones say
 * which part they are.
 */
export function renderResult(view: ResultView, generationId: string): SlackMessage[] {
  const blocks = resultBlocks(view, generationId);
  const parts: SlackBlock[][] = [];
  for (let i = 0; i < blocks.length; i += SLACK_MAX_BLOCKS) parts.push(blocks.slice(i, i + SLACK_MAX_BLOCKS));
  return parts.map((part, i) => ({
    text:
      i === 0
        ? fallbackText(resultText(view))
        : `Email to ${escapeMrkdwn(view.recipientName)} (part ${i + 1} of ${parts.length})`,
    blocks: part,
  }));
}

/** Slack refuses a message `text` over 40,000 characters; the blocks hold everything anyway. */
const SLACK_TEXT_LIMIT = 40_000;

function fallbackText(text: string): string {
  const escaped = escapeMrkdwn(text);
  return escaped.length <= SLACK_TEXT_LIMIT ? escaped : `${escaped.slice(0, SLACK_TEXT_LIMIT - 1)}…`;
}

/**
 * The result's blocks for the plan's stream that already shows the email (issue 23): under the
 * streamed markdown, everything `renderResult` shows but the email's text — heading, draft warning,
 * subject, To, notes, sources, the hand-off and the buttons, with the same block and action ids, so
 * the buttons act on it as on a posted result. In the email's place, its cited lines with their
 * source marks (`citedLinesBlocks`): the streamed text is the bare email. Slack renders them after
 * the streamed text. At most 50 blocks are taken (`chat.stopStream`'s limit): the caller falls
 * back to a posted result beyond.
 */
export function renderStreamedResultBlocks(view: ResultView, generationId: string): SlackBlock[] {
  return resultBlocks(view, generationId, false);
}

function resultBlocks(view: ResultView, generationId: string, withEmail = true): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  const version = view.version > 1 ? ` — version ${view.version}` : '';
  const edited = view.editedBy ? `, edited by <@${escapeMrkdwn(view.editedBy)}>` : '';
  const place = view.batch ? ` · ${view.batch.position} of ${view.batch.size}` : '';
  blocks.push(context(`✉️ *Email to ${escapeMrkdwn(view.recipientName)}*${place}${version}${edited}`));
  if (view.draft) {
    const problems = view.problems.map((p) => `• ${escapeMrkdwn(p)}`).join('\n');
    blocks.push(section(`⚠️ *Draft — check before sending:*\n${problems}`.slice(0, SLACK_SECTION_LIMIT)));
  }
  const subject = shownSubject(view);
  if (subject) blocks.push(section(`*Subject:* ${escapeMrkdwn(subject)}`.slice(0, SLACK_SECTION_LIMIT)));
  const to = toLine(view);
  if (to) blocks.push(context(`📧 ${escapeMrkdwn(to)}`));
  // Plain text, each personal line followed by its source marks; Copy gives the bare email.
  if (withEmail) blocks.push(...sections(markedText(markedEmail(view)), 'plain_text'));
  else blocks.push(...citedLinesBlocks(view));
  if (view.about) blocks.push(context(`👤 ${escapeMrkdwn(view.about)}`.slice(0, SLACK_SECTION_LIMIT)));
  for (const note of view.notes) blocks.push(context(`ℹ️ ${escapeMrkdwn(note)}`.slice(0, SLACK_SECTION_LIMIT)));
  const footer = resultFooter(view);
  if (footer) blocks.push(context(escapeMrkdwn(footer)));

  const sources = sourceList(view);
  if (sources.length) {
    blocks.push({ type: 'divider' });
    blocks.push(...sources);
  }
  const links = handoffLinks(handoffOf(view), SLACK_BUTTON_URL_MAX);
  const handoff = handoffNote(links);
  if (handoff) blocks.push(context(handoff));
  blocks.push({
    type: 'actions',
    block_id: 'scribe_result_actions',
    elements: [
      ...RESULT_ACTIONS.map((kind) => actionButton(kind, generationId)),
      button('📋 Copy as plain text', RESULT_BUTTON_IDS.copy, generationId),
      ...(links.gmail ? [linkButton('Open in Gmail', LINK_BUTTON_IDS.gmail, links.gmail)] : []),
      ...(links.outlook ? [linkButton('Open in Outlook', LINK_BUTTON_IDS.outlook, links.outlook)] : []),
    ],
  });
  blocks.push(feedbackBlock(generationId));
  return blocks;
}

/**
 * Under a streamed result, whose email is the bare text as it was written (marks cannot be put
 * inside text already shown): "Where each line comes from" (`citedLines`, as Discord shows it), each
 * line a bullet — `• I read your work on analytical engines[1] with great interest.` — so what
 * stands on which source is still said.
 */
function citedLinesBlocks(view: ResultView): SlackBlock[] {
  const shown = citedLines(view).map((text) => `• ${escapeMrkdwn(text)}`);
  return shown.length ? sections(`*Where each line comes from*\n${shown.join('\n')}`, 'mrkdwn') : [];
}

/** The text above the buttons: the `mailto:` link (Slack links it; a button's url must be http) and, for a long email, where the draft is. */
function handoffNote(links: ReturnType<typeof handoffLinks>): string | undefined {
  const parts: string[] = [];
  if (links.mailto) parts.push(`✉️ <${links.mailto.replace(/&/g, '&amp;')}|Open in your mail app>`);
  if (links.eml) parts.push(`📎 ${EML_NOTE}`);
  return parts.length ? parts.join(' · ') : undefined;
}

/** Said when the email is too long for a link: the `.eml` the reporter uploads under the result. */
export const EML_NOTE =
  'Too long for a link: the draft is attached below as an .eml file — open it in Outlook, Apple Mail or Thunderbird.';

/** A link button: opens `url` in the browser (its click is acked and does nothing else). */
function linkButton(text: string, actionId: string, url: string): SlackBlock {
  return { type: 'button', text: { type: 'plain_text', text, emoji: true }, action_id: actionId, url };
}

/**
 * 👍 / 👎 on this version: Slack's `feedback_buttons` element in a `context_actions` block, both
 * buttons under one action id, each value naming the action and the version.
 */
function feedbackBlock(generationId: string): SlackBlock {
  const [positive, negative] = RESULT_FEEDBACK.map((kind) => {
    const { label, emoji }: ActionButton = ACTIONS[kind].button;
    return {
      text: { type: 'plain_text', text: emoji, emoji: true },
      value: feedbackValue(kind, generationId),
      accessibility_label: `${label}: rate this version`,
    };
  });
  return {
    type: 'context_actions',
    block_id: FEEDBACK_BLOCK_ID,
    elements: [
      { type: 'feedback_buttons', action_id: FEEDBACK_ACTION_ID, positive_button: positive, negative_button: negative },
    ],
  };
}

/**
 * The research for review: the summary (plain text, split across sections), the sources, and the
 * *Write the email* and *Edit research* buttons. One message: 50 blocks hold a long summary.
 */
export function renderReview(view: ReviewView, generationId: string): SlackMessage {
  const version = view.version > 1 ? ` (version ${view.version})` : '';
  const edited = view.editedBy ? ` — edited by <@${escapeMrkdwn(view.editedBy)}>` : '';
  const title = `Research on ${view.recipientName}${version}: review it before the email is written`;
  const blocks: SlackBlock[] = [context(`🔎 *${escapeMrkdwn(title)}*${edited}`)];
  blocks.push(...sections(view.summary || '(No summary: nothing about the recipient could be read.)', 'plain_text'));
  blocks.push(...sourceList(view));
  const actions: SlackBlock = {
    type: 'actions',
    block_id: 'scribe_review_actions',
    elements: REVIEW_ACTIONS.map((kind) => actionButton(kind, generationId)),
  };
  return { text: escapeMrkdwn(title), blocks: [...blocks.slice(0, SLACK_MAX_BLOCKS - 1), actions] };
}

/** Slack's most characters in a button's text. */
const BUTTON_TEXT_MAX = 75;

/**
 * "Which Jun Li?": each candidate's line (institution · main topic · one recent title), numbered,
 * then a button per candidate ("1 · MIT") and "None of these"; each button's value is the
 * generation id and its action id carries the option.
 */
export function renderIdentityQuestion(view: IdentityQuestionView, generationId: string): SlackMessage {
  const [kind] = IDENTITY_ACTIONS;
  const place = view.batch ? ` (email ${view.batch.position} of ${view.batch.size})` : '';
  const version = view.version > 1 ? ` (version ${view.version})` : '';
  const intro = `Several people called ${view.recipientName} could be the one you mean${place}${version}. Which is it? The email is written once you say.`;
  const lines = view.options.map((o) => `*${o.option}.* ${escapeMrkdwn(o.label)}`);
  const blocks: SlackBlock[] = [
    section(`❓ *${escapeMrkdwn(view.question)}*\n${escapeMrkdwn(intro)}`.slice(0, SLACK_SECTION_LIMIT)),
    ...sections(lines.join('\n'), 'mrkdwn'),
  ];
  if (kind) {
    const choices = view.options.map((o) => {
      const text = `${o.option} · ${o.institution}`;
      return button(
        text.length > BUTTON_TEXT_MAX ? `${text.slice(0, BUTTON_TEXT_MAX - 1)}…` : text,
        optionButtonId(kind, o.option),
        generationId,
      );
    });
    const none = button(view.none.label, optionButtonId(kind, view.none.option), generationId);
    blocks.push({ type: 'actions', block_id: 'scribe_identity_actions', elements: [...choices, none] });
  }
  return { text: escapeMrkdwn(`${view.question} ${intro}`), blocks };
}

/** "Sources": the web pages by their numbers, then the papers numbered after them, as the marks cite them. */
function sourceList(view: Pick<ReviewView, 'sources' | 'papers'>): SlackBlock[] {
  const lines = numberedSources(view).map((c) =>
    c.kind === 'web' ? `[${c.n}] ${mrkdwnLink(c.url, c.title)}` : `[${c.n}] ${mrkdwnLink(c.url, c.title)} (${c.year})`,
  );
  return lines.length ? sections(`*Sources*\n${lines.join('\n')}`, 'mrkdwn') : [];
}

function button(text: string, actionId: string, value: string): SlackBlock {
  return { type: 'button', text: { type: 'plain_text', text, emoji: true }, action_id: actionId, value };
}

/** An action's button, as the action table describes it; the value is the generation id. */
function actionButton(kind: ButtonAction, generationId: string): SlackBlock {
  const { label, emoji, emphasis }: ActionButton = ACTIONS[kind].button;
  const block = button(`${emoji} ${label}`, RESULT_BUTTON_IDS[kind], generationId);
  return emphasis ? { ...block, style: emphasis } : block;
}

/** "Copy as plain text": the email alone in a code block (ephemeral). */
export function renderCopy(email: string): SlackMessage {
  // A code block shows the text verbatim; three backticks inside would end it early.
  // Slack reads &, < and > as control characters even inside code blocks.
  const body = escapeMrkdwn(email).replace(/```/g, '`\u200b``');
  const blocks = splitText(body, SLACK_SECTION_LIMIT - 6).map((piece) => section(`\`\`\`${piece.text}\`\`\``));
  return { text: email, blocks };
}
