/**
 * `ThreadReporter` for Discord, over REST only (no gateway), so any number of workers on any
 * machine can report. Where things live:
 * - The first progress message is posted in the channel and the thread is started on it; Discord
 *   gives such a thread the message's own id. A regeneration's progress message is posted inside
 *   the thread. So the progress message is in the channel when its id is the thread's id (or there
 *   is no thread), otherwise in the thread — see `progressChannelOf`.
 * - Results and failure replies go into the thread, or the channel when there is none.
 *
 * Exactly once: every result message is sent with a `nonce` derived from the generation and the
 * part, and `enforce_nonce`, so Discord answers a repeated send (a retry after a crash between
 * posting and saving the ids) with the message it already made instead of a second one. Discord
 * remembers nonces for a few minutes, which covers pg-boss handing out a dead worker's job again.
 *
 * Rate limits: @discordjs/rest queues per route and waits out 429s itself; edits are coalesced by
 * the worker (src/jobs/coalesce.ts).
 */
import { createHash } from 'node:crypto';
import {
  Routes,
  type RESTGetAPIChannelMessageResult,
  type RESTPostAPIChannelMessageResult,
} from 'discord-api-types/v10';
import { ErrorCode, PermanentError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ThreadAddress, ThreadReporter } from '../../thread/reporter.ts';
import { CHAT_TRY_AGAIN, failureText, RETRY_HERE } from '../text.ts';
import { DiscordAPIError, DiscordCode, type REST, toScribeError } from './client.ts';
import { renderFollowUp } from './follow-up.ts';
import {
  progressHeaderOf,
  renderFailure,
  renderProgress,
  renderResult,
  renderIdentityQuestion,
  renderReview,
  resultDraftFile,
  showsFile,
  upgradeFields,
  type MessageFile,
  type V2Message,
} from './render.ts';
import type { ProgressView } from '../../thread/reporter.ts';

/** The channel (or thread) that holds the progress message. */
export function progressChannelOf(address: ThreadAddress): string | null {
  if (address.threadId && address.progressMessageId !== address.threadId) return address.threadId;
  return address.channelId;
}

/** Where replies go: the thread, or the channel when there is none. */
export function replyChannelOf(address: ThreadAddress): string | null {
  return address.threadId ?? address.channelId;
}

/**
 * ≤ 25 characters (Discord's limit): a hash of the generation id, then the part. `replacing` (the
 * id of a recorded message that was deleted) gives its replacement a nonce of its own: the old
 * nonce could be answered with the deleted message.
 */
export function nonceFor(generationId: string, part: number | 'failed', replacing?: string): string {
  const hash = createHash('sha256')
    .update(replacing ? `${generationId}:${replacing}` : generationId)
    .digest('base64url')
    .slice(0, 19);
  return `${hash}.${part === 'failed' ? 'f' : part}`;
}

/**
 * Edits a progress message to `view`, keeping the line that says who asked: a Components V2 edit
 * replaces every component, and only the message knows that line, so it is read first (one GET on
 * another rate-limit bucket; the worker coalesces edits). False when the message is gone.
 */
export async function editProgress(
  rest: REST,
  channelId: string,
  messageId: string,
  view: ProgressView,
  generationId: string,
): Promise<boolean> {
  try {
    // Discord's message object, typed by discord-api-types.
    const current = (await rest.get(Routes.channelMessage(channelId, messageId))) as RESTGetAPIChannelMessageResult;
    await rest.patch(Routes.channelMessage(channelId, messageId), {
      body: { ...renderProgress(view, generationId, progressHeaderOf(current)), ...upgradeFields(current) },
    });
    return true;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.code === DiscordCode.UnknownMessage) return false;
    throw toScribeError(err, 'updating the progress message');
  }
}

export interface DiscordReporterOptions {
  rest: REST;
  logger: Logger;
  /** At most one streamed edit per progress message per this many ms (default `EMAIL_STREAM_INTERVAL_MS`). */
  streamIntervalMs?: number;
}

/**
 * The email streamed into the progress message: at most one edit per 1.5 s per generation, counting
 * the progress edits too (Discord allows about 5 edits per 5 s in a channel; the rest waits 429s out,
 * which would hold back the progress and the result behind it).
 */
export const EMAIL_STREAM_INTERVAL_MS = 1_500;

/** A generation's progress message while the worker reports on it: what it shows, and its edits in order. */
interface LiveProgress {
  generationId: string;
  channelId: string;
  messageId: string;
  view: ProgressView;
  /** The email as far as written (latest offered), and as last shown. */
  email: string;
  shown: string;
  /** Who asked (read once from the message: a V2 edit replaces every component). */
  read: boolean;
  header: string | undefined;
  upgrade: ReturnType<typeof upgradeFields>;
  /** When the last edit of any kind was sent; a streamed edit waits for the interval after it. */
  lastEditAt: number;
  timer: NodeJS.Timeout | undefined;
  /** A streamed edit is queued or in flight: the next waits for it. */
  pumping: boolean;
  /** The edits, one after another (a streamed edit and a progress edit never cross). */
  chain: Promise<unknown>;
  gone: boolean;
}

/** While a progress message can still change by the worker's hand: it shows the streamed email only while running. */
const LIVE_STATUSES: ReadonlySet<ProgressView['status']> = new Set(['queued', 'running', 'retrying']);

/** The Discord `ThreadReporter`. */
export function createDiscordReporter({
  rest,
  logger,
  streamIntervalMs = EMAIL_STREAM_INTERVAL_MS,
}: DiscordReporterOptions): ThreadReporter {
  const lives = new Map<string, LiveProgress>();

  /** One edit of the live progress message to what it should show now; false when the message is gone. */
  async function editLive(live: LiveProgress): Promise<boolean> {
    if (live.gone) return false;
    const route = Routes.channelMessage(live.channelId, live.messageId);
    try {
      if (!live.read) {
        // Discord's message object, typed by discord-api-types.
        const current = (await rest.get(route)) as RESTGetAPIChannelMessageResult;
        live.header = progressHeaderOf(current);
        live.upgrade = upgradeFields(current);
        live.read = true;
      }
      const email = live.email;
      live.lastEditAt = Date.now();
      await rest.patch(route, {
        body: { ...renderProgress(live.view, live.generationId, live.header, email), ...live.upgrade },
      });
      live.upgrade = {};
      live.shown = email;
      return true;
    } catch (err) {
      if (err instanceof DiscordAPIError && err.code === DiscordCode.UnknownMessage) {
        live.gone = true;
        return false;
      }
      throw toScribeError(err, 'updating the progress message');
    }
  }

  function enqueue(live: LiveProgress): Promise<boolean> {
    const next = live.chain.then(() => editLive(live));
    live.chain = next.catch(() => undefined);
    return next;
  }

  /** Shows the latest streamed text when the interval since the last edit allows, one edit at a time. */
  function pump(live: LiveProgress): void {
    if (live.timer || live.pumping || live.gone || live.email === live.shown) return;
    const wait = live.lastEditAt + streamIntervalMs - Date.now();
    if (wait > 0) {
      live.timer = setTimeout(() => {
        live.timer = undefined;
        pump(live);
      }, wait);
      return;
    }
    live.pumping = true;
    const first = live.shown === '';
    void enqueue(live)
      .then((found) => {
        if (found)
          logger.info(
            { event: 'email.streamed', generationId: live.generationId, chars: live.shown.length, first },
            'email text streamed',
          );
      })
      .catch((err: unknown) => logger.warn({ err, generationId: live.generationId }, 'streaming the email failed'))
      .finally(() => {
        live.pumping = false;
        pump(live);
      });
  }

  /** The streamed text still waiting, shown now (the result follows it); resolves when every edit is done. */
  async function flushStream(generationId: string): Promise<void> {
    const live = lives.get(generationId);
    if (!live) return;
    clearTimeout(live.timer);
    live.timer = undefined;
    if (!live.gone && live.email !== live.shown && live.view.status === 'running')
      await enqueue(live).catch((err: unknown) => logger.warn({ err, generationId }, 'streaming the email failed'));
    await live.chain;
  }

  function forget(generationId: string): void {
    const live = lives.get(generationId);
    if (live) clearTimeout(live.timer);
    lives.delete(generationId);
  }

  async function post(channelId: string, body: object, doing: string, file?: MessageFile): Promise<string> {
    try {
      // With a file: multipart, the JSON in payload_json and the file as `files[0]` (attachment id 0).
      const request = file
        ? {
            body: { ...body, attachments: [{ id: 0, filename: file.name }] },
            files: [{ name: file.name, data: file.data, contentType: file.contentType }],
          }
        : { body };
      // The response is Discord's message object (typed by discord-api-types, not validated).
      const message = (await rest.post(Routes.channelMessages(channelId), request)) as RESTPostAPIChannelMessageResult;
      return message.id;
    } catch (err) {
      throw toScribeError(err, doing);
    }
  }

  /** Edits a message; false when it no longer exists (someone deleted it). */
  async function edit(channelId: string, messageId: string, body: object, doing: string): Promise<boolean> {
    try {
      await rest.patch(Routes.channelMessage(channelId, messageId), { body });
      return true;
    } catch (err) {
      if (err instanceof DiscordAPIError && err.code === DiscordCode.UnknownMessage) return false;
      throw toScribeError(err, doing);
    }
  }

  return {
    // Parameter and return types come from ThreadReporter.
    async progress(address, view) {
      const channelId = progressChannelOf(address);
      if (!channelId || !address.progressMessageId) return;
      const { generationId, progressMessageId: messageId } = address;
      let live = lives.get(generationId);
      if (!live || live.channelId !== channelId || live.messageId !== messageId) {
        forget(generationId);
        live = {
          generationId,
          channelId,
          messageId,
          view,
          email: '',
          shown: '',
          read: false,
          header: undefined,
          upgrade: {},
          lastEditAt: -Infinity,
          timer: undefined,
          pumping: false,
          chain: Promise.resolve(),
          gone: false,
        };
        lives.set(generationId, live);
      }
      live.view = view;
      // Settled, or waiting for the person: this worker will not edit it again.
      if (!LIVE_STATUSES.has(view.status)) forget(generationId);
      const found = await enqueue(live);
      if (!found) logger.warn({ generationId }, 'progress message is gone; not updating it');
    },

    async emailText(address, text) {
      const live = lives.get(address.generationId);
      // Best effort: shown only on a progress message this worker is editing, while it runs.
      if (!live || live.gone || live.view.status !== 'running' || text === live.email) return;
      live.email = text;
      pump(live);
    },

    async result(address, view, options) {
      const log = logger.child({ generationId: address.generationId });
      // The email as last written is on the progress message before the result is posted.
      await flushStream(address.generationId);
      const channelId = replyChannelOf(address);
      if (!channelId) throw new PermanentError(ErrorCode.Internal, 'This Discord generation has no channel to post in');
      const messages = renderResult(view, address.generationId);
      // Too long for a link: the .eml draft goes with the last message (its nonce keeps it single).
      const draft = resultDraftFile(view);
      const ids: string[] = [];
      for (const [i, message] of messages.entries()) {
        const existing = options.existingMessageIds[i];
        const doing = `posting part ${i + 1} of ${messages.length} of the email`;
        if (existing && (await edit(channelId, existing, message, doing))) {
          ids.push(existing);
          continue;
        }
        // The message whose File component shows the .eml carries it.
        const file = draft && showsFile(message) ? draft : undefined;
        ids.push(await post(channelId, withNonce(message, nonceFor(address.generationId, i, existing)), doing, file));
        if (file) log.info({ event: 'eml.attached', filename: file.name }, 'the .eml draft attached in the thread');
      }
      // A longer earlier version left messages past the new end: remove them (best effort).
      for (const stale of options.existingMessageIds.slice(messages.length)) {
        await rest
          .delete(Routes.channelMessage(channelId, stale))
          .catch((err: unknown) => log.warn({ err }, 'could not delete a stale result message'));
      }
      log.info(
        {
          messages: ids.length,
          edited: Math.min(options.existingMessageIds.length, ids.length),
          maybePosted: options.maybePosted,
        },
        'result delivered to Discord',
      );
      return { messageIds: ids };
    },

    async review(address, view) {
      const channelId = replyChannelOf(address);
      if (!channelId) return { messageIds: [] };
      // One message, or several for a long summary (the buttons on the last).
      const ids: string[] = [];
      for (const message of renderReview(view, address.generationId))
        ids.push(await post(channelId, message, 'posting the research for review'));
      return { messageIds: ids };
    },

    async askIdentity(address, view) {
      const channelId = replyChannelOf(address);
      if (!channelId) return { messageIds: [] };
      return {
        messageIds: [
          await post(
            channelId,
            renderIdentityQuestion(view, address.generationId),
            'asking which person the recipient is',
          ),
        ],
      };
    },
    async followUp(address, view) {
      const channelId = replyChannelOf(address);
      if (!channelId) return;
      const reference =
        !address.threadId && address.progressMessageId
          ? { message_reference: { message_id: address.progressMessageId, fail_if_not_exists: false } }
          : {};
      await post(channelId, { ...renderFollowUp(view), ...reference }, 'posting the follow-up');
    },

    async failed(address, failure) {
      forget(address.generationId);
      const channelId = replyChannelOf(address);
      if (!channelId) return;
      // Without a thread, reply to the progress message so the failure sits under its request.
      const reference =
        !address.threadId && address.progressMessageId
          ? { message_reference: { message_id: address.progressMessageId, fail_if_not_exists: false } }
          : {};
      const body = {
        // A batch row has no progress message for the Retry button: its failure reply carries it.
        ...(failure.retryable && !address.progressMessageId
          ? renderFailure(failureText(failure, RETRY_HERE), address.generationId)
          : renderFailure(failureText(failure, CHAT_TRY_AGAIN))),
        ...reference,
        nonce: nonceFor(address.generationId, 'failed'),
        enforce_nonce: true,
      };
      await post(channelId, body, 'reporting the failure');
    },
  };
}

function withNonce(message: V2Message, nonce: string): V2Message & { nonce: string; enforce_nonce: true } {
  return { ...message, nonce, enforce_nonce: true };
}
