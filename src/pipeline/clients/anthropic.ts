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
 * The SDK's own retries are off: the pipeline's retry policy is the single place that decides.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { z } from 'zod';
import { ErrorCode, InvalidAnswerError, PermanentError, type ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Llm, LlmRequest, LlmUsage } from '../ports.ts';
import { classifyHttpFailure, describeNetworkError, retryAfterFrom, timeoutError } from './errors.ts';

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
      const message = await (await getClient()).messages.create(
        {
          model: request.model,
          system: request.system,
          max_tokens: request.maxTokens,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          ...extra,
        },
        { signal: request.signal },
      );
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
      const text = textOf(message);
      if (!text.trim()) {
        throw new InvalidAnswerError(`Anthropic returned an empty answer (stop reason: ${message.stop_reason})`, {
          service: SERVICE,
          raw: '',
          issues: 'the answer had no text',
        });
      }
      return { text, usage: usageOf(message.usage) };
    },

    async structured<T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }) {
      const message = await send(request, {
        output_config: { format: { type: 'json_schema', schema: jsonSchemaFor(request.schema, request.name) } },
      });
      const raw = textOf(message);
      const invalid = (issues: string) =>
        new InvalidAnswerError(`Anthropic's answer did not match the expected "${request.name}" shape`, { service: SERVICE, raw, issues });
      // A cut-off or refused answer is not the JSON we asked for, whatever its first characters.
      if (message.stop_reason === 'max_tokens') throw invalid(`the answer was cut off at max_tokens (${request.maxTokens})`);
      if (message.stop_reason === 'refusal') throw invalid('the model declined to answer');
      let candidate: unknown;
      try {
        candidate = JSON.parse(raw);
      } catch (err) {
        throw invalid(`the answer is not valid JSON (${(err as Error).message})`);
      }
      const parsed = request.schema.safeParse(candidate);
      if (!parsed.success) throw invalid(z.prettifyError(parsed.error));
      return { value: parsed.data, usage: usageOf(message.usage) };
    },
  };
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
  return { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
}

type Sdk = typeof import('@anthropic-ai/sdk');
let sdkModule: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdkModule ??= import('@anthropic-ai/sdk'));

function toScribeError(sdk: Sdk, err: unknown, model: string, timeoutMs: number): ScribeError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  const base = { service: SERVICE, cause: err };
  if (err instanceof APIConnectionTimeoutError) return timeoutError(SERVICE, timeoutMs, err);
  if (err instanceof APIUserAbortError) {
    return classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the request was cancelled', cause: err });
  }
  if (err instanceof APIConnectionError) {
    return classifyHttpFailure({ service: SERVICE, status: undefined, detail: describeNetworkError(err), cause: err });
  }
  if (err instanceof APIError && err.status !== undefined) {
    const detail = errorMessageOf(err.error) ?? err.message;
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
        return new PermanentError(ErrorCode.ServiceRejected, `Anthropic refused the request for model "${model}" (${err.status}): ${detail.slice(0, 200)}`, {
          ...base,
          status: err.status,
        });
      case 402:
        return new PermanentError(ErrorCode.ServiceRejected, `Anthropic refused the request (402): check the account's billing (${detail.slice(0, 120)})`, {
          ...base,
          status: 402,
        });
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
  return classifyHttpFailure({ service: SERVICE, status: undefined, detail: err instanceof Error ? err.message : String(err), cause: err });
}

/** The `error.message` of Anthropic's error body `{type:'error', error:{type, message}}`. */
function errorMessageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const inner = (body as { error: unknown }).error;
    if (inner && typeof inner === 'object' && 'message' in inner && typeof inner.message === 'string') return inner.message;
  }
  return undefined;
}
