/**
 * `Llm` on the official Anthropic SDK.
 *
 * Structured answers use the API's structured outputs (`output_config.format`, a JSON schema the
 * model's text is constrained to). The schema is the zod schema's JSON Schema passed through the
 * SDK's own transform (which moves constraints the API cannot enforce, such as `maxLength`, into
 * descriptions), titled with the question's name so logs and the local fake can tell questions
 * apart. We then parse and validate the text with zod ourselves rather than with `messages.parse`,
 * so a bad answer becomes an `InvalidAnswerError` carrying the raw text and readable issues.
 *
 * Only a finished answer (stop reason `end_turn` or `stop_sequence`) is a success; every other
 * stop reason becomes its own error (`stopReasonError`), before any JSON is parsed, so an unfinished
 * answer is never mistaken for invalid JSON and sent back for correction.
 *
 * Prompt caching: a request whose message marks a stable prefix (`LlmMessage.stableChars`) gets a
 * `cache_control` breakpoint at its end when the prefix (system prompt included) reaches the
 * model's minimum cacheable length (`cacheMinTokens`); a shorter one is sent as it is, since the
 * API would not cache it anyway.
 *
 * The SDK's own retries are off: the pipeline's retry policy is the single place that decides.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { z } from 'zod';
import { ErrorCode, InvalidAnswerError, PermanentError, RetryableError, type ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Llm, LlmRequest, LlmUsage } from '../ports.ts';
import { classifyHttpFailure, networkFailure, retryAfterFrom, timeoutError } from './errors.ts';

const SERVICE = 'Anthropic';

export interface AnthropicLlmOptions {
  apiKey: string;
  /** Default: the SDK's (https://api.anthropic.com). */
  baseUrl?: string | undefined;
  logger?: Logger | undefined;
  /** Per request. Default 120 s (a long email from the writer model takes a while). */
  timeoutMs?: number | undefined;
}

/** An `Llm` that talks to the Anthropic Messages API; failures are mapped to Scribe's error vocabulary. */
export function createAnthropicLlm(options: AnthropicLlmOptions): Llm {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // The SDK is imported on the first request: ~25 MB an idle worker does not need to hold.
  let client: Promise<Anthropic> | undefined;
  const getClient = () =>
    (client ??= loadSdk().then(
      (sdk) =>
        new sdk.default({
          apiKey: options.apiKey,
          ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
          maxRetries: 0,
          timeout: timeoutMs,
        }),
    ));

  async function send(request: LlmRequest, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) {
    const started = Date.now();
    const sdk = await loadSdk();
    try {
      const params = {
        model: request.model,
        system: request.system,
        max_tokens: request.maxTokens,
        messages: withCacheBreakpoint(request),
        ...extra,
      };
      const { onText } = request;
      let message: Anthropic.Message;
      if (onText) {
        // Streamed (server-sent events) so the caller sees the text as it comes; the SDK assembles
        // the same message from the events.
        const stream = (await getClient()).messages.stream(params, { signal: request.signal });
        stream.on('text', (_delta, snapshot) => {
          try {
            onText(snapshot);
          } catch (err) {
            options.logger?.warn({ err }, 'a streamed-text listener failed');
          }
        });
        message = await stream.finalMessage();
      } else {
        message = await (await getClient()).messages.create(params, { signal: request.signal });
      }
      options.logger?.debug(
        { model: request.model, ms: Date.now() - started, stopReason: message.stop_reason, usage: message.usage },
        'anthropic answered',
      );
      return message;
    } catch (err) {
      const mapped = toScribeError(sdk, err, request.model, timeoutMs);
      options.logger?.debug({ model: request.model, ms: Date.now() - started, err: mapped }, 'anthropic failed');
      throw mapped;
    }
  }

  return {
    async complete(request) {
      const message = await send(request);
      const usage = usageOf(message.usage);
      const unfinished = stopReasonError(message.stop_reason, request, 'answer', usage);
      if (unfinished) throw unfinished;
      const text = textOf(message);
      if (!text.trim()) {
        throw new InvalidAnswerError(`Anthropic returned an empty answer (stop reason: ${message.stop_reason})`, {
          service: SERVICE,
          raw: '',
          issues: 'the answer had no text',
          usage,
        });
      }
      return { text, usage };
    },

    async structured<T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }) {
      const message = await send(request, {
        output_config: { format: { type: 'json_schema', schema: jsonSchemaFor(request.schema, request.name) } },
      });
      // Billed whether or not the answer can be used: every error below carries it.
      const usage = usageOf(message.usage);
      // An unfinished answer is not the JSON we asked for, whatever its first characters.
      const unfinished = stopReasonError(message.stop_reason, request, `"${request.name}" answer`, usage);
      if (unfinished) throw unfinished;
      const raw = textOf(message);
      const invalid = (issues: string) =>
        new InvalidAnswerError(`Anthropic's answer did not match the expected "${request.name}" shape`, {
          service: SERVICE,
          raw,
          issues,
          usage,
        });
      let candidate: unknown;
      try {
        candidate = JSON.parse(raw);
      } catch (err) {
        throw invalid(`the answer is not valid JSON (${(err as Error).message})`);
      }
      const parsed = request.schema.safeParse(candidate);
      if (!parsed.success) throw invalid(z.prettifyError(parsed.error));
      return { value: parsed.data, usage };
    },
  };
}

/**
 * The fewest tokens a prefix must have for the API to cache it, by model family (platform.claude.com
 * prompt-caching docs, as of 2026: 4,096 for Haiku 4.5 and Opus 4.5/4.6, 2,048 for Haiku 3.x, 1,024
 * for Sonnet). Longest matching prefix wins; an unknown model gets the largest, so nothing is
 * marked that would not be cached.
 */
export const CACHE_MIN_TOKENS: Record<string, number> = {
  'claude-haiku-3': 2_048,
  'claude-3-haiku': 2_048,
  'claude-3-5-haiku': 2_048,
  'claude-haiku': 4_096,
  'claude-sonnet': 1_024,
  'claude-opus': 4_096,
};

export function cacheMinTokens(model: string): number {
  const key = Object.keys(CACHE_MIN_TOKENS)
    .filter((k) => model.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return key ? (CACHE_MIN_TOKENS[key] ?? 4_096) : 4_096;
}

/** A low estimate of a text's tokens (about four characters each in English; more in other scripts). */
const estimateTokens = (chars: number) => Math.floor(chars / 4);

/**
 * The request's messages for the SDK: strings, except the last message with a stable prefix long
 * enough to cache, which becomes two text blocks with a breakpoint after the first.
 */
export function withCacheBreakpoint(request: LlmRequest): Anthropic.MessageParam[] {
  const messages: Anthropic.MessageParam[] = request.messages.map((m) => ({ role: m.role, content: m.content }));
  const at = request.messages.findLastIndex((m) => (m.stableChars ?? 0) > 0);
  const marked = request.messages[at];
  if (!marked) return messages;
  const stable = Math.min(marked.stableChars ?? 0, marked.content.length);
  const before = request.messages.slice(0, at).reduce((n, m) => n + m.content.length, request.system.length);
  if (estimateTokens(before + stable) < cacheMinTokens(request.model)) return messages;
  const rest = marked.content.slice(stable);
  messages[at] = {
    role: marked.role,
    content: [
      { type: 'text', text: marked.content.slice(0, stable), cache_control: { type: 'ephemeral' } },
      ...(rest === '' ? [] : [{ type: 'text' as const, text: rest }]),
    ],
  };
  return messages;
}

/** The JSON schema sent as `output_config.format.schema` for a zod schema. */
export function jsonSchemaFor(schema: z.ZodType, name: string): Record<string, unknown> {
  // `io: 'input'`: the model writes what the schema accepts, before any zod transform runs.
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return { ...transformJSONSchema(json), title: name };
}

function textOf(message: Anthropic.Message): string {
  return message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
}

function usageOf(usage: Anthropic.Usage): LlmUsage {
  // The cache counts are null or absent when the request used no prompt cache.
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheCreationInputTokens: usage.cache_creation_input_tokens ?? 0,
    cacheReadInputTokens: usage.cache_read_input_tokens ?? 0,
  };
}

/**
 * What a stop reason means for Scribe: undefined for a finished answer, else the error to throw.
 * Scribe offers the model no tools and sets no stop sequences, so:
 * - `end_turn`, `stop_sequence`: finished.
 * - `max_tokens`: cut off; the same request would be cut again, so permanent (`AnswerTooLong`).
 * - `model_context_window_exceeded`: the input left no room for the answer; permanent (`InputTooLong`).
 * - `refusal`: the model declined; asking again the same way gets the same answer (`ModelDeclined`).
 * - `pause_turn`: the API paused a long turn. Continuing it means sending the paused content back
 *   as an assistant turn, which Scribe's string messages and structured outputs do not carry, so a
 *   fresh request is made instead: retryable (`AnswerIncomplete`), through the pipeline's policy.
 * - `tool_use` (we offered none), null, or a value newer than this code: permanent (`AnswerIncomplete`),
 *   naming the value, rather than passing off an answer we cannot vouch for as finished.
 */
export function stopReasonError(
  stopReason: string | null,
  request: Pick<LlmRequest, 'model' | 'maxTokens'>,
  what: string,
  /** The answer's billed tokens, carried by the error so cost tracking counts them. */
  usage?: LlmUsage,
): ScribeError | undefined {
  const details = { service: SERVICE, usage };
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return undefined;
    case 'max_tokens':
      return new PermanentError(
        ErrorCode.AnswerTooLong,
        `Anthropic's ${what} was longer than ${request.maxTokens} tokens and was cut off (model "${request.model}"); asking again would cut it again`,
        details,
      );
    case 'model_context_window_exceeded':
      return new PermanentError(
        ErrorCode.InputTooLong,
        `The input is too large for the context window of model "${request.model}": it left no room for the ${what}. Use a shorter template or instruction`,
        details,
      );
    case 'refusal':
      return new PermanentError(
        ErrorCode.ModelDeclined,
        `The model declined to write the ${what} (model "${request.model}"). Change the template or the instruction and try again`,
        details,
      );
    case 'pause_turn':
      return new RetryableError(
        ErrorCode.AnswerIncomplete,
        `Anthropic paused the ${what} before it was finished (stop reason "pause_turn")`,
        details,
      );
    case 'tool_use':
      return new PermanentError(
        ErrorCode.AnswerIncomplete,
        `Anthropic stopped the ${what} to call a tool, but Scribe offered none (stop reason "tool_use")`,
        details,
      );
    default:
      return new PermanentError(
        ErrorCode.AnswerIncomplete,
        `Anthropic stopped the ${what} for a reason Scribe does not know (stop reason ${JSON.stringify(stopReason)})`,
        details,
      );
  }
}

type Sdk = typeof import('@anthropic-ai/sdk');
let sdkModule: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdkModule ??= import('@anthropic-ai/sdk'));

/**
 * Imports the SDK now rather than at the first request. The import holds the event loop for
 * 100–160 ms (its ~150 modules are loaded and linked in one go), so a process that also answers
 * chat does it before it takes requests (`PipelineClients.preload`).
 */
export async function preloadAnthropicSdk(): Promise<void> {
  await loadSdk();
}

function toScribeError(sdk: Sdk, err: unknown, model: string, timeoutMs: number): ScribeError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  const base = { service: SERVICE, cause: err };
  if (err instanceof APIConnectionTimeoutError) return timeoutError(SERVICE, timeoutMs, err);
  if (err instanceof APIUserAbortError) {
    return classifyHttpFailure({
      service: SERVICE,
      status: undefined,
      detail: 'the request was cancelled',
      cause: err,
    });
  }
  if (err instanceof APIConnectionError) {
    return networkFailure(SERVICE, err);
  }
  if (err instanceof APIError && err.status !== undefined) {
    const detail = errorMessageOf(err.error) ?? err.message;
    const spendLimit = spendLimitOf(err.status, err.error, detail);
    if (spendLimit) {
      return new PermanentError(
        ErrorCode.SpendLimitReached,
        `The organisation's Anthropic spend limit is reached (${err.status}, ${spendLimit}): no email can be written until someone raises the limit ` +
          `(or moves to a higher usage tier) in the Anthropic Console. Anthropic said: ${detail.slice(0, 200)}`,
        { ...base, status: err.status },
      );
    }
    switch (err.status) {
      case 404:
        return new PermanentError(
          ErrorCode.ServiceRejected,
          `Anthropic does not know the model "${model}" (404): check SCRIBE_FAST_MODEL / SCRIBE_WRITER_MODEL`,
          { ...base, status: 404 },
        );
      case 400:
      case 413:
      case 422:
        return new PermanentError(
          ErrorCode.ServiceRejected,
          `Anthropic refused the request for model "${model}" (${err.status}): ${detail.slice(0, 200)}`,
          {
            ...base,
            status: err.status,
          },
        );
      case 402:
        return new PermanentError(
          ErrorCode.ServiceRejected,
          `Anthropic refused the request (402): check the account's billing (${detail.slice(0, 120)})`,
          {
            ...base,
            status: 402,
          },
        );
    }
    return classifyHttpFailure({
      service: SERVICE,
      status: err.status,
      detail,
      retryAfterMs: retryAfterFrom(err.headers),
      credentialVar: 'ANTHROPIC_API_KEY',
      cause: err,
    });
  }
  // A 200 whose body was not JSON, or another SDK failure: the service misbehaved, try again later.
  return classifyHttpFailure({
    service: SERVICE,
    status: undefined,
    detail: err instanceof Error ? err.message : String(err),
    cause: err,
  });
}

// 429s that are not rate limits: they last until the limit is raised or the month ends, and carry no retry-after.
const SPEND_LIMIT_CODES = new Set(['enforced_spend_limit_reached', 'contract_spend_limit_reached']);

/**
 * Why a failure is a spend limit, or undefined when it is not one: a 429 whose
 * `error.details.error_code` names a spend limit (a tier's monthly cap, a contract's), or the 400
 * Anthropic answers once a limit the organisation or workspace set for itself is reached ("You
 * have reached your specified (workspace) API usage limits…").
 */
function spendLimitOf(status: number, body: unknown, detail: string): string | undefined {
  const inner = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : undefined;
  const details =
    inner && typeof inner === 'object' && 'details' in inner ? (inner as { details: unknown }).details : undefined;
  const code =
    details && typeof details === 'object' && 'error_code' in details
      ? (details as { error_code: unknown }).error_code
      : undefined;
  if (status === 429 && typeof code === 'string' && SPEND_LIMIT_CODES.has(code)) return code;
  if (status === 400 && /^You have reached your specified (workspace )?API usage limits/i.test(detail))
    return 'a usage limit set in the Console';
  return undefined;
}

/** The `error.message` of Anthropic's error body `{type:'error', error:{type, message}}`. */
function errorMessageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const inner = (body as { error: unknown }).error;
    if (inner && typeof inner === 'object' && 'message' in inner && typeof inner.message === 'string')
      return inner.message;
  }
  return undefined;
}
