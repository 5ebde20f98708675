/**
 * `Llm` on the official Anthropic SDK. Structured answers use forced tool use: the model must call
 * one tool whose input schema is the zod schema's JSON Schema, and we validate that input with zod
 * again (the API checks the shape loosely). The SDK's own retries are off: the pipeline's retry
 * policy is the single place that decides.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ErrorCode, InvalidAnswerError, PermanentError, type ScribeError } from '../../errors.ts';
import type { Llm, LlmRequest, LlmUsage } from '../ports.ts';
import { classifyHttpFailure, parseRetryAfter, timeoutError } from './errors.ts';

const SERVICE = 'Anthropic';

export interface AnthropicLlmOptions {
  apiKey: string;
  /** Default: the SDK's (https://api.anthropic.com). */
  baseUrl?: string | undefined;
  /** Per request. Default 120 s (a long email from the writer model takes a while). */
  timeoutMs?: number;
}

export function createAnthropicLlm(options: AnthropicLlmOptions): Llm {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    timeout: timeoutMs,
  });

  async function send(request: LlmRequest, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) {
    try {
      return await client.messages.create(
        {
          model: request.model,
          system: request.system,
          max_tokens: request.maxTokens,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          ...extra,
        },
        { signal: request.signal },
      );
    } catch (err) {
      throw toScribeError(err, request.model, timeoutMs);
    }
  }

  return {
    async complete(request) {
      const message = await send(request);
      const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      if (!text.trim()) {
        throw new InvalidAnswerError('Anthropic returned an empty answer', { service: SERVICE, raw: '', issues: 'no text' });
      }
      return { text, usage: usageOf(message.usage) };
    },

    async structured<T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }) {
      const inputSchema = z.toJSONSchema(request.schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
      const message = await send(request, {
        tools: [
          {
            name: request.name,
            description: `Give your answer as the input of this tool.`,
            input_schema: { ...inputSchema, type: 'object' } as Anthropic.Tool.InputSchema,
          },
        ],
        tool_choice: { type: 'tool', name: request.name },
      });
      const block = message.content.find((b) => b.type === 'tool_use' && b.name === request.name);
      let candidate: unknown;
      let raw: string;
      if (block && block.type === 'tool_use') {
        candidate = block.input;
        raw = JSON.stringify(block.input);
      } else {
        // Some answers arrive as JSON text despite the forced tool: accept that too.
        raw = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
        candidate = parseJsonLoosely(raw);
      }
      const parsed = request.schema.safeParse(candidate);
      if (!parsed.success) {
        throw new InvalidAnswerError(`Anthropic's answer did not match the expected "${request.name}" shape`, {
          service: SERVICE,
          raw,
          issues: z.prettifyError(parsed.error),
        });
      }
      return { value: parsed.data, usage: usageOf(message.usage) };
    },
  };
}

function usageOf(usage: Anthropic.Usage): LlmUsage {
  return { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
}

/** JSON, or JSON inside a ```json fence; undefined when there is none. */
function parseJsonLoosely(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  try {
    return JSON.parse((fenced?.[1] ?? text).trim());
  } catch {
    return undefined;
  }
}

function toScribeError(err: unknown, model: string, timeoutMs: number): ScribeError {
  if (err instanceof APIConnectionTimeoutError) return timeoutError(SERVICE, timeoutMs, err);
  if (err instanceof APIConnectionError) {
    return classifyHttpFailure({ service: SERVICE, status: undefined, detail: err.message, cause: err });
  }
  if (err instanceof APIError) {
    const detail = errorMessageOf(err.error) ?? err.message;
    if (err.status === 404) {
      return new PermanentError(ErrorCode.ServiceRejected, `Anthropic does not know the model "${model}" (404): check SCRIBE_FAST_MODEL / SCRIBE_WRITER_MODEL`, {
        service: SERVICE,
        status: 404,
        cause: err,
      });
    }
    return classifyHttpFailure({
      service: SERVICE,
      status: err.status,
      detail,
      retryAfterMs: parseRetryAfter(err.headers?.get('retry-after')),
      credentialVar: 'ANTHROPIC_API_KEY',
      cause: err,
    });
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the request was cancelled', cause: err });
  }
  // A body that was not JSON, or another SDK failure: the service misbehaved, try again later.
  return classifyHttpFailure({ service: SERVICE, status: undefined, detail: err instanceof Error ? err.message : String(err), cause: err });
}

function errorMessageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const inner = (body as { error: unknown }).error;
    if (inner && typeof inner === 'object' && 'message' in inner && typeof inner.message === 'string') return inner.message;
  }
  return undefined;
}
