/**
 * Slack's agent surface: text streaming (`chat.startStream`, `chat.appendStream`,
 * `chat.stopStream`) and the assistant thread methods (`assistant.threads.setStatus`,
 * `assistant.threads.setSuggestedPrompts`, `assistant.threads.setTitle`), as docs.slack.dev
 * documents them (2026) and @slack/web-api 8.2 sends them.
 *
 * What the fake refuses, as Slack does:
 * - chunks that are not `markdown_text`, `task_update`, `plan_update` or `blocks`, a task status
 *   other than `pending | in_progress | complete | error` (so `completed` is refused), a chunk
 *   missing its fields or carrying unknown ones → `invalid_chunks`;
 * - `markdown_text` (argument or chunk) over 12,000 characters, or a streamed message over
 *   40,000 → `msg_too_long`; a task's `details` / `output` over 256 characters → `invalid_chunks`;
 * - an append or stop on a message that is not streaming (never started, or stopped) →
 *   `message_not_in_streaming_state`; an append with neither `markdown_text` nor `chunks`;
 * - `chat.stopStream`'s `blocks` beyond 50 (a limit apart from blocks sent as chunks) or invalid
 *   (`invalid_blocks`); its `metadata` is validated as a post's and kept on the message, so
 *   `conversations.replies` with `include_all_metadata` finds it;
 * - `chat.update` on a message still streaming (see api-chat.ts); once stopped, an update replaces it;
 * - a stream in a channel (not a DM) without `recipient_user_id` and `recipient_team_id`
 *   ("required when streaming to channels"), a `task_display_mode` other than `timeline | plan`;
 * - a status with more than 10 loading messages; a status on a thread that does not exist
 *   (`invalid_thread_ts`). Setting the status needs `chat:write` (since March 2026) or
 *   `assistant:write`; suggested prompts and titles need `assistant:write`.
 * One deliberate simplification: Slack answers some argument errors with method-specific codes the
 * docs do not list; the fake answers `invalid_arguments` for those.
 */
import { z } from 'zod';
import {
  jsonArg,
  metadataArg,
  parseArgs,
  requireString,
  SlackApiError,
  type MethodContext,
  type MethodDef,
} from './api.ts';
import { botMessage, checkedBlocks, postableChannel, threadParent } from './api-chat.ts';
import { apiMessage } from './format.ts';
import type { SlackState, StoredMessage, StoredStream } from './state.ts';

/** Slack's limit on `markdown_text`, per call and per chunk. */
export const STREAM_TEXT_MAX = 12_000;
/** A message's text limit (chat.postMessage's). */
const MESSAGE_TEXT_MAX = 40_000;
/** A task card's `details` and `output`. */
export const TASK_TEXT_MAX = 256;
const LOADING_MESSAGES_MAX = 10;

const TASK_STATUSES = ['pending', 'in_progress', 'complete', 'error'] as const;

const sourceSchema = z.strictObject({ type: z.literal('url'), url: z.url(), text: z.string().min(1) });

const chunkSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('markdown_text'), text: z.string() }),
  z.strictObject({
    type: z.literal('task_update'),
    id: z.string().min(1),
    title: z.string().min(1),
    status: z.enum(TASK_STATUSES),
    details: z.string().max(TASK_TEXT_MAX).optional(),
    output: z.string().max(TASK_TEXT_MAX).optional(),
    sources: z.array(sourceSchema).optional(),
  }),
  z.strictObject({ type: z.literal('plan_update'), title: z.string().min(1) }),
  z.strictObject({ type: z.literal('blocks'), blocks: z.array(z.unknown()).min(1).max(50) }),
]);
type Chunk = z.infer<typeof chunkSchema>;

/** The `chunks` argument: a JSON string (form-encoded) or an array; anything Slack would not take is `invalid_chunks`. */
function parseChunks(value: unknown): Chunk[] | undefined {
  if (value === undefined) return undefined;
  let raw: unknown = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw) as unknown;
    } catch {
      throw new SlackApiError('invalid_chunks');
    }
  }
  if (!Array.isArray(raw)) throw new SlackApiError('invalid_chunks');
  const chunks: Chunk[] = [];
  for (const [i, item] of raw.entries()) {
    const parsed = chunkSchema.safeParse(item);
    if (!parsed.success) {
      const messages = parsed.error.issues.map(
        (issue) => `[ERROR] ${issue.message} [json-pointer:/chunks/${i}/${issue.path.map(String).join('/')}]`,
      );
      throw new SlackApiError('invalid_chunks', { response_metadata: { messages } });
    }
    if (parsed.data.type === 'markdown_text' && parsed.data.text.length > STREAM_TEXT_MAX)
      throw new SlackApiError('msg_too_long');
    if (parsed.data.type === 'blocks') checkedBlocks(parsed.data.blocks);
    chunks.push(parsed.data);
  }
  return chunks;
}

function markdownArg(args: Record<string, unknown>): string | undefined {
  const text = args.markdown_text;
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new SlackApiError('invalid_arguments');
  if (text.length > STREAM_TEXT_MAX) throw new SlackApiError('msg_too_long');
  return text;
}

/** Applies text and chunks to a streaming message. */
function apply(state: SlackState, message: StoredMessage, text: string | undefined, chunks: Chunk[] | undefined): void {
  const stream = message.stream as StoredStream;
  const all: Chunk[] = [...(text !== undefined && text !== '' ? [{ type: 'markdown_text' as const, text }] : [])];
  all.push(...(chunks ?? []));
  let added = '';
  for (const chunk of all) {
    stream.chunks.push({ ...chunk });
    if (chunk.type === 'markdown_text') added += chunk.text;
    else if (chunk.type === 'plan_update') stream.planTitle = chunk.title;
    else if (chunk.type === 'task_update') {
      const before = stream.tasks.get(chunk.id);
      const { type: _type, ...fields } = chunk;
      stream.tasks.set(chunk.id, {
        ...before,
        ...fields,
        statuses: [...(before?.statuses ?? []), chunk.status],
      });
    }
  }
  if (message.text.length + added.length > MESSAGE_TEXT_MAX) throw new SlackApiError('msg_too_long');
  if (added !== '') {
    stream.appends.push({ text: added, at: Date.now() });
    state.edit(message, { text: message.text + added }, state.bot.userId);
  } else state.changed();
}

const startArgs = z.looseObject({
  thread_ts: z.string().optional(),
  recipient_user_id: z.string().optional(),
  recipient_team_id: z.string().optional(),
  task_display_mode: z.enum(['timeline', 'plan']).optional(),
});

function startStream({ state, args }: MethodContext): Record<string, unknown> {
  const a = parseArgs(startArgs, args);
  const channel = postableChannel(state, requireString(args, 'channel', 'channel_not_found'));
  if (!channel.isIm && (!a.recipient_user_id || !a.recipient_team_id))
    throw new SlackApiError('invalid_arguments', {
      response_metadata: {
        messages: ['[ERROR] recipient_user_id and recipient_team_id are required when streaming to channels'],
      },
    });
  if (a.recipient_user_id && !state.users.has(a.recipient_user_id)) throw new SlackApiError('user_not_found');
  const text = markdownArg(args);
  const chunks = parseChunks(args.chunks);
  const threadTs = threadParent(state, channel.id, a.thread_ts);
  const message = state.post({
    channel: channel.id,
    user: state.bot.userId,
    botId: state.bot.botId,
    text: '',
    ...(threadTs ? { threadTs } : {}),
  });
  message.stream = {
    state: 'streaming',
    taskDisplayMode: a.task_display_mode ?? 'timeline',
    ...(a.recipient_user_id ? { recipientUserId: a.recipient_user_id } : {}),
    chunks: [],
    tasks: new Map(),
    appends: [],
    startedAt: Date.now(),
  };
  apply(state, message, text, chunks);
  return { channel: channel.id, ts: message.ts };
}

function streamingMessage(state: SlackState, args: Record<string, unknown>): StoredMessage {
  const channel = requireString(args, 'channel', 'channel_not_found');
  const message = botMessage(
    state,
    channel,
    requireString(args, 'ts', 'message_not_found'),
    'message_not_in_streaming_state',
  );
  if (message.stream?.state !== 'streaming') throw new SlackApiError('message_not_in_streaming_state');
  return message;
}

function appendStream({ state, args }: MethodContext): Record<string, unknown> {
  const message = streamingMessage(state, args);
  const text = markdownArg(args);
  const chunks = parseChunks(args.chunks);
  if (text === undefined && (chunks === undefined || chunks.length === 0))
    throw new SlackApiError('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] either markdown_text or chunks is required'] },
    });
  apply(state, message, text, chunks);
  return { channel: message.channel, ts: message.ts };
}

const stopArgs = z.looseObject({ blocks: jsonArg(z.array(z.unknown())).optional(), metadata: metadataArg });

function stopStream({ state, args }: MethodContext): Record<string, unknown> {
  const message = streamingMessage(state, args);
  const text = markdownArg(args);
  const chunks = parseChunks(args.chunks);
  const a = parseArgs(stopArgs, args);
  // At most 50 (checkedBlocks), a limit apart from the blocks sent as chunks.
  const blocks = checkedBlocks(a.blocks);
  apply(state, message, text, chunks);
  const stream = message.stream as StoredStream;
  stream.state = 'stopped';
  stream.stoppedAt = Date.now();
  // The blocks are shown under the streamed text; the metadata is the message's, as a post's is.
  if (blocks || a.metadata)
    state.edit(
      message,
      { text: message.text, ...(blocks ? { blocks } : {}), ...(a.metadata ? { metadata: a.metadata } : {}) },
      state.bot.userId,
    );
  else state.changed();
  return { channel: message.channel, ts: message.ts, message: apiMessage(state, message) };
}

function needAnyScope(state: SlackState, scopes: string[]): void {
  if (!scopes.some((s) => state.scopes.has(s)))
    throw new SlackApiError('missing_scope', { needed: scopes.join(','), provided: [...state.scopes].join(',') });
}

/** The thread a status, title or prompts go to: an existing message in a channel the bot can use. */
function assistantThread(state: SlackState, args: Record<string, unknown>, required: boolean) {
  const channel = postableChannel(state, requireString(args, 'channel_id', 'channel_not_found'));
  const threadTs = args.thread_ts;
  if (threadTs === undefined || threadTs === '') {
    if (required) throw new SlackApiError('invalid_thread_ts');
    return { channel: channel.id, threadTs: undefined };
  }
  if (typeof threadTs !== 'string' || !state.find(channel.id, threadTs)) throw new SlackApiError('invalid_thread_ts');
  return { channel: channel.id, threadTs };
}

const statusArgs = z.looseObject({
  status: z.string(),
  loading_messages: jsonArg(z.array(z.string().min(1)).max(LOADING_MESSAGES_MAX)).optional(),
});

function setStatus({ state, args }: MethodContext): Record<string, unknown> {
  needAnyScope(state, ['chat:write', 'assistant:write']);
  const a = parseArgs(statusArgs, args);
  const { channel, threadTs } = assistantThread(state, args, true);
  state.setThreadStatus(channel, threadTs as string, a.status, a.loading_messages);
  return {};
}

function setSuggestedPrompts({ state, args }: MethodContext): Record<string, unknown> {
  needAnyScope(state, ['assistant:write']);
  const a = parseArgs(
    z.looseObject({
      title: z.string().optional(),
      prompts: jsonArg(
        z
          .array(z.strictObject({ title: z.string().min(1), message: z.string().min(1) }))
          .min(1)
          .max(4),
      ),
    }),
    args,
  );
  const { channel, threadTs } = assistantThread(state, args, false);
  state.suggestedPrompts.set(`${channel}:${threadTs ?? ''}`, {
    prompts: a.prompts,
    ...(a.title !== undefined ? { title: a.title } : {}),
  });
  state.changed();
  return {};
}

function setTitle({ state, args }: MethodContext): Record<string, unknown> {
  needAnyScope(state, ['assistant:write']);
  const title = requireString(args, 'title', 'invalid_arguments');
  const { channel, threadTs } = assistantThread(state, args, true);
  state.threadTitles.set(`${channel}:${threadTs}`, title);
  state.changed();
  return {};
}

/** The streaming and assistant methods, by Web API name. */
export const streamMethods: Record<string, MethodDef> = {
  'chat.startStream': { token: 'bot', handle: startStream },
  'chat.appendStream': { token: 'bot', handle: appendStream },
  'chat.stopStream': { token: 'bot', handle: stopStream },
  'assistant.threads.setStatus': { token: 'bot', handle: setStatus },
  'assistant.threads.setSuggestedPrompts': { token: 'bot', handle: setSuggestedPrompts },
  'assistant.threads.setTitle': { token: 'bot', handle: setTitle },
};
