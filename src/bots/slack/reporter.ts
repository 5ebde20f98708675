/**
 * `ThreadReporter` for Slack, over the Web API only (no socket), so any number of workers on any
 * machine can report. Where things live (all in `address.channelId`):
 * - the progress message at `progressMessageId` (the thread's parent for a first version, a reply
 *   in the thread for a regeneration), edited with `chat.update`;
 * - the result and failure replies in the thread `threadId`; with `plan`, the plan's stream in the
 *   thread, which becomes the result when this process streamed the email into it (`finishAsResult`).
 *
 * Exactly once: every result message carries metadata `scribe_result` with the generation id, its
 * part and the number of parts (a stream that became the result gets it from `chat.stopStream`). A
 * retry that was told a post may exist (`maybePosted`) reads the thread — `conversations.replies`
 * with metadata, from the progress message (so the plan's stream is read too), or for a batch row,
 * which has none, from the moment the earlier attempt started posting (less a clock margin) — and
 * edits what it finds instead of posting again. It pages on with the cursor until every part is
 * found or the thread ends: a batch's thread holds many rows' emails, so one page (15 messages for
 * apps outside the Marketplace, which Slack allows once a minute) may not reach the row's post. Starting at the
 * posting mark keeps that to a page or two. With `chat:write.public` Scribe posts in public channels
 * it is not a member of, where Slack refuses to read threads (`not_in_channel`): the lookup then
 * joins the channel (`channels:join`) and reads again.
 *
 * Rate limits: the WebClient waits out 429s (Retry-After) and retries within its bounded policy;
 * the worker coalesces progress edits per message (src/jobs/coalesce.ts).
 */
import { z } from 'zod';
import { ErrorCode, PermanentError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ProgressView, ResultView, ThreadAddress, ThreadReporter } from '../../thread/reporter.ts';
import { CHAT_TRY_AGAIN, failureText, RETRY_HERE } from '../text.ts';
import { MESSAGE_GONE, slackErrorCode, toScribeError, type WebClient } from './client.ts';
import { renderFollowUp } from './follow-up.ts';
import {
  renderFailure,
  renderIdentityQuestion,
  renderProgress,
  renderResult,
  renderReview,
  renderStreamedResultBlocks,
  SLACK_MAX_BLOCKS,
  type SlackMessage,
} from './render.ts';
import { emlFileName, emlOf, handoffLinks, handoffOf, SLACK_BUTTON_URL_MAX } from '../../thread/handoff.ts';
import {
  type AnyChunk,
  finishedCards,
  type PlanShown,
  planTitle,
  planUpdates,
  researchSources,
  threadStatus,
} from './plan.ts';

/** `event_type` of the metadata on result messages. */
export const RESULT_EVENT_TYPE = 'scribe_result';

/** Slack's page size for conversations.replies for apps outside the Marketplace (since 2025). */
const REPLIES_LIMIT = 15;
/** Pages read at most when looking for an earlier post (a 50-row batch's thread is ~4 pages). */
const REPLIES_MAX_PAGES = 20;
/**
 * How far before the posting mark (Postgres's clock) the search starts: Slack's clock may differ,
 * and the mark is written just before the post.
 */
const POSTING_MARK_MARGIN_MS = 60_000;

/** Message metadata as Scribe writes it. */
interface Metadata {
  event_type: string;
  event_payload: Record<string, string | number>;
}

/** What `createSlackReporter` needs: a Web API client and a logger, nothing else (no socket). */
export interface SlackReporterOptions {
  /** A WebClient for the bot token, pointed at SLACK_API_URL, with a bounded retry policy (`createSlackClient`). */
  client: WebClient;
  logger: Logger;
  /**
   * Show the steps as Slack's plan of task cards (a streamed reply in the thread, issue 23) and set
   * the thread's status while working. Off by default so tests that count a thread's replies keep
   * their counts; the worker's composition root turns it on.
   */
  plan?: boolean;
}

/** A generation's streamed plan in this process: where it is, what it shows, the status set. */
interface LivePlan {
  channel: string;
  threadTs: string;
  /** The streamed message; undefined when streaming is not possible here (then only the status). */
  ts?: string | undefined;
  shown: PlanShown;
  stopped: boolean;
  status: string;
  /** The email as streamed so far (`markdown_text`), while the writer writes it. */
  email: string;
  /** The stream was tried as the result (`finishAsResult`): not again, whatever came of it. */
  resultTried?: boolean;
}

/** The metadata that marks part `part` of `parts` of a generation's result (what `findOwnPosts` looks for). */
const resultMetadata = (generationId: string, part: number, parts: number): Metadata => ({
  event_type: RESULT_EVENT_TYPE,
  event_payload: { generation_id: generationId, part, parts },
});

/** Generations remembered as delivered (`markDelivered`) at most. */
const DELIVERED_MAX = 1_000;

/** Slack's answer to an append or stop on a message that no longer streams. */
const NOT_STREAMING = 'message_not_in_streaming_state';

/**
 * The most of the email streamed into the plan: one `markdown_text` may carry 12,000 characters;
 * a longer email is shown only by its result.
 */
const EMAIL_STREAM_MAX = 12_000;

const RepliesSchema = z.object({
  messages: z
    .array(
      z.looseObject({
        ts: z.string(),
        metadata: z
          .looseObject({
            event_type: z.string(),
            event_payload: z
              .looseObject({
                generation_id: z.string().optional(),
                part: z.number().int().min(0).optional(),
                parts: z.number().int().min(1).optional(),
              })
              .optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

type RepliesArgs = Parameters<WebClient['conversations']['replies']>[0];

/** A Slack `ts` for a moment: seconds with six decimals. */
function slackTs(at: Date): string {
  return (at.getTime() / 1000).toFixed(6);
}

/** The Slack `ThreadReporter`. */
export function createSlackReporter({ client, logger, plan = false }: SlackReporterOptions): ThreadReporter {
  /** Plans by generation id. In memory: a run taken over by another process starts a new plan. */
  const plans = new Map<string, LivePlan>();
  /**
   * Generations whose result was delivered here: a progress report still `running` that reaches the
   * reporter after the result (seen in the e2e traces, up to a second after the succeeded report)
   * must not start a second plan under it. Bounded: the oldest are forgotten.
   */
  const delivered = new Set<string>();
  function markDelivered(generationId: string): void {
    plans.delete(generationId);
    delivered.add(generationId);
    if (delivered.size > DELIVERED_MAX) delivered.delete(delivered.values().next().value as string);
  }

  /** A failed plan call is logged, never a failed email: the progress message still shows the steps. */
  async function quietly(what: string, generationId: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      logger.warn({ event: 'plan.failed', generationId, err: toScribeError(err, what) }, `could not ${what}`);
      return false;
    }
  }

  async function setStatus(live: LivePlan, generationId: string, status: string, loading: string[] = []) {
    if (live.status === status) return;
    const ok = await quietly(status ? 'set the thread status' : 'clear the thread status', generationId, () =>
      client.assistant.threads.setStatus({
        channel_id: live.channel,
        thread_ts: live.threadTs,
        status,
        ...(status && loading.length ? { loading_messages: loading.slice(0, 10) } : {}),
      }),
    );
    if (ok) {
      live.status = status;
      logger.info(
        { event: status ? 'status.set' : 'status.cleared', generationId, status },
        status ? 'thread status set' : 'thread status cleared',
      );
    }
  }

  async function stopPlan(live: LivePlan, generationId: string, chunks: AnyChunk[]) {
    if (live.ts && !live.stopped) {
      live.stopped = true;
      const ts = live.ts;
      await quietly('finish the plan', generationId, () =>
        client.chat.stopStream({ channel: live.channel, ts, ...(chunks.length ? { chunks } : {}) }),
      );
      logger.info({ event: 'plan.stopped', generationId }, 'plan of task cards finished');
    }
    await setStatus(live, generationId, '');
  }

  /** Brings the plan (and the thread status) to `view`: started on the first running view, stopped when it ends. */
  async function showPlan(address: ThreadAddress, view: ProgressView): Promise<void> {
    const { generationId, channelId, threadId } = address;
    if (!channelId || !threadId) return;
    const working = threadStatus(view);
    if (delivered.has(generationId)) {
      if (working)
        logger.info(
          { event: 'plan.after_result', generationId, status: view.status, steps: view.steps },
          'a working progress report after the result: no plan started',
        );
      return;
    }
    let live = plans.get(generationId);
    if (!live) {
      if (!working || view.status === 'queued') return;
      live = { channel: channelId, threadTs: threadId, shown: {}, stopped: false, status: '', email: '' };
      plans.set(generationId, live);
      // A DM streams to its person; a channel needs the recipient (the asker), else no stream there.
      const isDm = channelId.startsWith('D');
      if (isDm || address.requesterId) {
        const { chunks, shown } = planUpdates(view, {});
        const started = await quietly('start the plan', generationId, async () => {
          const answer = await client.chat.startStream({
            channel: channelId,
            thread_ts: threadId,
            task_display_mode: 'plan',
            ...(isDm ? {} : { recipient_user_id: address.requesterId, recipient_team_id: address.teamId }),
            chunks: [{ type: 'plan_update', title: planTitle(view) }, ...chunks],
          });
          live!.ts = answer.ts;
        });
        if (started) {
          live.shown = shown;
          logger.info({ event: 'plan.started', generationId, status: view.status }, 'plan of task cards started');
        } else live.stopped = true;
      }
    } else if (live.ts && !live.stopped) {
      const { chunks, shown } = planUpdates(view, live.shown);
      if (chunks.length && !working) {
        live.shown = shown;
        await stopPlan(live, generationId, chunks);
      } else if (chunks.length) {
        const ts = live.ts;
        // A refused append (the stream expired during a long retry wait): stop trying, the
        // progress message still shows the steps.
        if (
          await quietly('update the plan', generationId, () =>
            client.chat.appendStream({ channel: channelId, ts, chunks }),
          )
        )
          live.shown = shown;
        else live.stopped = true;
      }
    }
    if (working) await setStatus(live, generationId, working.status, working.loading_messages);
    else {
      await stopPlan(live, generationId, []);
      plans.delete(generationId);
    }
  }

  /** The plan's last cards once the email is written: every card complete, the research card with its sources. */
  function lastCards(live: LivePlan, view: ResultView): AnyChunk[] {
    const research = researchSources(view.sources, live.shown);
    // The research card goes with its sources; the other unfinished cards are done.
    const done = finishedCards(live.shown).filter((c) => !(research.length && 'id' in c && c.id === 'research'));
    return [...done, ...research];
  }

  /** Before the result is posted: the plan's last cards, the research card with its sources, the stream stopped. */
  async function finishPlan(address: ThreadAddress, view: ResultView): Promise<void> {
    const live = plans.get(address.generationId);
    if (live) await stopPlan(live, address.generationId, lastCards(live, view));
    markDelivered(address.generationId);
  }

  /**
   * The plan's stream becomes the result (issue 23): when this process streams the generation's
   * plan and it shows a beginning of the email, the rest of the email is written into it and the
   * stream is stopped with the last cards, the result's blocks without the email
   * (`renderStreamedResultBlocks`: sources, hand-off, buttons) and the `scribe_result` metadata, so a
   * retry's lookup finds it as it finds a posted result. Returns the stream's ts, or undefined when
   * the result must be posted as a reply instead (no live stream here, an email of more than one
   * message or longer than one `markdown_text`, streamed text that is not the email's beginning,
   * more than 50 blocks, or Slack refusing the stop). A stop with no answer (the connection dropped,
   * a 5xx) may have happened: the thread is read to tell (a failed read throws, and the job's retry
   * looks for the result as it would for a post); it is tried once per generation.
   */
  async function finishAsResult(
    address: ThreadAddress,
    view: ResultView,
    messages: readonly SlackMessage[],
    log: Logger,
  ): Promise<string | undefined> {
    const live = plans.get(address.generationId);
    // One try per generation: a retry of the job that finds nothing posts a reply.
    if (!live?.ts || live.stopped || live.resultTried) return undefined;
    const { email } = view;
    const why =
      messages.length !== 1
        ? 'the email takes more than one message'
        : email.length > EMAIL_STREAM_MAX
          ? 'the email is longer than one markdown_text'
          : !email.startsWith(live.email)
            ? 'what was streamed is not the beginning of the email'
            : email.trim() === ''
              ? 'the email is empty'
              : undefined;
    const blocks = renderStreamedResultBlocks(view, address.generationId);
    const reason = why ?? (blocks.length > SLACK_MAX_BLOCKS ? 'more than 50 blocks' : undefined);
    if (reason) {
      log.info({ event: 'stream.result_skipped', reason }, 'posting the result as a reply');
      return undefined;
    }
    const rest = email.slice(live.email.length);
    const ts = live.ts;
    live.resultTried = true;
    try {
      await client.chat.stopStream({
        channel: live.channel,
        ts,
        ...(rest ? { markdown_text: rest } : {}),
        chunks: lastCards(live, view),
        blocks,
        metadata: resultMetadata(address.generationId, 0, 1),
      });
    } catch (err) {
      const failure = toScribeError(err, 'finishing the email in the plan');
      const code = slackErrorCode(err);
      // Slack said no (a refusal, a rate limit): nothing was applied; the result is posted as a reply.
      const refused = failure instanceof PermanentError || failure.code === ErrorCode.RateLimited;
      if (refused && code !== NOT_STREAMING) {
        log.warn({ event: 'stream.result_failed', err: failure }, 'could not finish the email in the plan');
        return undefined;
      }
      // No answer (the stop may have happened), or no longer streaming (the WebClient's retry of a
      // stop whose answer was lost, or Slack ended an idle stream): the thread tells which.
      const found = await findOwnPosts({ ...address, channelId: live.channel, threadId: live.threadTs }, null, log);
      if (found[0] !== ts) {
        log.warn({ event: 'stream.result_failed', err: failure }, 'could not finish the email in the plan');
        return undefined;
      }
    }
    live.stopped = true;
    live.email = email;
    markDelivered(address.generationId);
    log.info({ event: 'stream.result', chars: email.length, appended: rest.length }, 'the plan became the result');
    await setStatus(live, address.generationId, '');
    return ts;
  }

  async function post(
    channel: string,
    threadTs: string | undefined,
    message: SlackMessage,
    metadata: Metadata | undefined,
    doing: string,
  ): Promise<string> {
    let ts: string | undefined;
    try {
      ({ ts } = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(metadata ? { metadata } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }));
    } catch (err) {
      throw toScribeError(err, doing);
    }
    if (!ts)
      throw new PermanentError(ErrorCode.ServiceRejected, `Slack answered ${doing} without a message ts`, {
        service: 'Slack',
      });
    return ts;
  }

  /** Edits a message; false when it no longer exists (someone deleted it). */
  async function edit(
    channel: string,
    ts: string,
    message: SlackMessage,
    metadata: Metadata | undefined,
    doing: string,
  ): Promise<boolean> {
    try {
      await client.chat.update({
        channel,
        ts,
        text: message.text,
        blocks: message.blocks,
        ...(metadata ? { metadata } : {}),
      });
      return true;
    } catch (err) {
      if (MESSAGE_GONE.has(slackErrorCode(err) ?? '')) return false;
      throw toScribeError(err, doing);
    }
  }

  /**
   * When the draft is too long for a mail link: uploads it as an `.eml` into the thread
   * (files.getUploadURLExternal, the bytes, files.completeUploadExternal: the WebClient's
   * filesUploadV2). Best effort: the email itself is in the thread already, so a refusal (no
   * `files:write` scope) is logged, not a failed email.
   */
  async function attachLongDraft(channel: string, threadTs: string, view: ResultView, log: Logger) {
    const handoff = handoffOf(view);
    if (!handoffLinks(handoff, SLACK_BUTTON_URL_MAX).eml) return;
    const filename = emlFileName(view.recipientName, view.version);
    try {
      await client.filesUploadV2({
        channel_id: channel,
        thread_ts: threadTs,
        file: Buffer.from(emlOf(handoff), 'utf8'),
        filename,
        title: filename,
      });
      log.info({ event: 'eml.attached', filename }, 'the .eml draft attached in the thread');
    } catch (err) {
      log.warn(
        { event: 'eml.failed', err: toScribeError(err, 'attaching the .eml draft') },
        'could not attach the .eml draft',
      );
    }
  }

  const LOOKING = 'looking for an earlier post of the email';

  /**
   * One page of a thread. In a channel Scribe posts to without being a member, Slack answers
   * `not_in_channel`: the row recorded no message ids (that is why we look), so only the thread can
   * tell whether the email went out — join, once, and read again.
   */
  async function readReplies(args: RepliesArgs, log: Logger): Promise<unknown> {
    try {
      return await client.conversations.replies(args);
    } catch (err) {
      if (slackErrorCode(err) !== 'not_in_channel') throw toScribeError(err, LOOKING);
    }
    try {
      await client.conversations.join({ channel: args.channel });
    } catch (err) {
      throw toScribeError(err, `joining the channel (${LOOKING})`);
    }
    log.info({ channel: args.channel }, 'joined the channel to read its thread');
    try {
      return await client.conversations.replies(args);
    } catch (err) {
      throw toScribeError(err, LOOKING);
    }
  }

  /**
   * Our earlier result messages for this generation, by part: the thread from `since` (else the
   * progress message) on, page by page until every part is found or the thread ends.
   */
  async function findOwnPosts(
    address: ThreadAddress & { channelId: string; threadId: string },
    since: Date | null | undefined,
    log: Logger,
  ): Promise<string[]> {
    // From the progress message when there is one: the plan's stream (which may be the result) starts
    // after it, possibly long before the posting mark. A batch row has none (and no plan): the mark.
    const oldest =
      address.progressMessageId ?? (since ? slackTs(new Date(since.getTime() - POSTING_MARK_MARGIN_MS)) : undefined);
    const found: string[] = [];
    let parts: number | undefined;
    let cursor: string | undefined;
    let pages = 0;
    const complete = () => parts !== undefined && found.filter(Boolean).length >= parts;
    do {
      const answer = await readReplies(
        {
          channel: address.channelId,
          ts: address.threadId,
          include_all_metadata: true,
          limit: REPLIES_LIMIT,
          ...(oldest ? { oldest, inclusive: true } : {}),
          ...(cursor ? { cursor } : {}),
        },
        log,
      );
      pages++;
      const page = RepliesSchema.parse(answer);
      for (const m of page.messages) {
        const payload = m.metadata?.event_type === RESULT_EVENT_TYPE ? m.metadata.event_payload : undefined;
        if (payload?.generation_id !== address.generationId) continue;
        found[payload.part ?? 0] = m.ts;
        parts ??= payload.parts;
      }
      cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    } while (cursor && !complete() && pages < REPLIES_MAX_PAGES);
    log.info({ found: found.filter(Boolean).length, pages }, 'looked for an earlier post of the result');
    // Parts missing from the middle (a crash between two posts) are posted again.
    return Array.from(found, (ts) => ts ?? '');
  }

  return {
    // Parameter and return types come from ThreadReporter.
    async progress(address, view) {
      if (!address.channelId || !address.progressMessageId) return;
      const found = await edit(
        address.channelId,
        address.progressMessageId,
        renderProgress(view, address.generationId),
        undefined,
        'updating the progress message',
      );
      if (!found) logger.warn({ generationId: address.generationId }, 'progress message is gone; not updating it');
      if (plan) await showPlan(address, view);
    },

    async emailText(address, text) {
      const live = plan ? plans.get(address.generationId) : undefined;
      if (!live?.ts || live.stopped) return;
      // Only text that extends what is shown (a retried answer starts over: the result will say it all).
      if (text.length <= live.email.length || !text.startsWith(live.email) || text.length > EMAIL_STREAM_MAX) return;
      const { generationId } = address;
      const ts = live.ts;
      const first = live.email === '';
      const markdown = text.slice(live.email.length);
      if (
        await quietly('stream the email', generationId, () =>
          client.chat.appendStream({ channel: live.channel, ts, markdown_text: markdown }),
        )
      ) {
        live.email = text;
        logger.info({ event: 'email.streamed', generationId, chars: text.length, first }, 'email text streamed');
      } else live.stopped = true;
    },

    async result(address, view, options) {
      const log = logger.child({ generationId: address.generationId });
      const { channelId, threadId } = address;
      if (!channelId) throw new PermanentError(ErrorCode.Internal, 'This Slack generation has no channel to post in');
      const messages = renderResult(view, address.generationId);
      let existing: string[] = [...options.existingMessageIds];
      if (existing.length === 0 && options.maybePosted && threadId) {
        existing = await findOwnPosts({ ...address, channelId, threadId }, options.postingSince, log);
      }
      // Nothing posted yet: the plan's stream, showing the email as it was written, becomes the result.
      const streamed = plan && !existing.some(Boolean) ? await finishAsResult(address, view, messages, log) : undefined;
      if (streamed) {
        await attachLongDraft(channelId, threadId ?? streamed, view, log);
        log.info({ messages: 1, streamed: true, maybePosted: options.maybePosted }, 'result delivered to Slack');
        return { messageIds: [streamed] };
      }
      if (plan) {
        // The earlier attempt's stop did finish the stream as the result: it is found, not stopped again.
        const live = plans.get(address.generationId);
        if (live?.ts && existing.includes(live.ts)) live.stopped = true;
        await finishPlan(address, view);
      }
      const ids: string[] = [];
      let postedLast = false;
      for (const [part, message] of messages.entries()) {
        const metadata = resultMetadata(address.generationId, part, messages.length);
        const doing = `posting part ${part + 1} of ${messages.length} of the email`;
        const ts = existing[part];
        postedLast = false;
        if (ts && (await edit(channelId, ts, message, metadata, doing))) {
          ids.push(ts);
          continue;
        }
        ids.push(await post(channelId, threadId ?? undefined, message, metadata, doing));
        postedLast = true;
      }
      // Too long for a link: the draft as an .eml under the result, once (an edited result has one).
      if (postedLast) await attachLongDraft(channelId, threadId ?? ids.at(-1)!, view, log);
      // A longer earlier version left messages past the new end: remove them (best effort).
      for (const stale of existing.slice(messages.length).filter(Boolean)) {
        await client.chat
          .delete({ channel: channelId, ts: stale })
          .catch((err: unknown) => log.warn({ err }, 'could not delete a stale result message'));
      }
      log.info(
        { messages: ids.length, edited: existing.filter(Boolean).length, maybePosted: options.maybePosted },
        'result delivered to Slack',
      );
      return { messageIds: ids };
    },

    async followUp(address, view) {
      if (!address.channelId) return;
      const thread = address.threadId ?? address.progressMessageId ?? undefined;
      await post(address.channelId, thread, renderFollowUp(view), undefined, 'posting the follow-up');
    },

    async review(address, view) {
      if (!address.channelId) return { messageIds: [] };
      const thread = address.threadId ?? address.progressMessageId ?? undefined;
      const ts = await post(
        address.channelId,
        thread,
        renderReview(view, address.generationId),
        undefined,
        'posting the research for review',
      );
      return { messageIds: [ts] };
    },

    async askIdentity(address, view) {
      if (!address.channelId) return { messageIds: [] };
      const thread = address.threadId ?? address.progressMessageId ?? undefined;
      const ts = await post(
        address.channelId,
        thread,
        renderIdentityQuestion(view, address.generationId),
        undefined,
        'asking which person the recipient is',
      );
      return { messageIds: [ts] };
    },

    async failed(address, failure) {
      if (!address.channelId) return;
      // A batch row has no progress message for the Retry button: its failure reply carries it.
      const retryHere = failure.retryable && !address.progressMessageId;
      await post(
        address.channelId,
        address.threadId ?? address.progressMessageId ?? undefined,
        renderFailure(
          failureText(failure, retryHere ? RETRY_HERE : CHAT_TRY_AGAIN),
          retryHere ? address.generationId : undefined,
        ),
        undefined,
        'reporting the failure',
      );
    },
  };
}
