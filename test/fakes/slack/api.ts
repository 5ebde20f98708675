/**
 * What a Web API method handler is: a function from the call's arguments to the fields of an
 * `ok: true` answer, throwing {@link SlackApiError} for an `ok: false` one. Arguments arrive as the
 * WebClient sends them — form-encoded strings, with objects (blocks, view, metadata) as JSON
 * strings — or as a JSON body; the zod helpers here accept both.
 */
import { z } from 'zod';
import type { SlackState } from './state.ts';

/** An `ok: false` answer: `error` is Slack's code, `extra` more fields (e.g. `errors`). */
export class SlackApiError extends Error {
  readonly error: string;
  readonly extra: Record<string, unknown>;
  constructor(error: string, extra: Record<string, unknown> = {}) {
    super(error);
    this.name = 'SlackApiError';
    this.error = error;
    this.extra = extra;
  }
}

/** Which token a method accepts: bot/user tokens (`xoxb-`/`xoxp-`) or the app-level token (`xapp-`). */
export type TokenKind = 'bot' | 'app';

/** What a handler gets. */
export interface MethodContext {
  state: SlackState;
  args: Record<string, unknown>;
  /** The WebSocket URL for a new Socket Mode connection (a fresh ticket each call). */
  socketUrl(): string;
  /** `http://127.0.0.1:PORT`: where this fake serves upload URLs. */
  baseUrl: string;
}

/** One Web API method. */
export interface MethodDef {
  token: TokenKind;
  handle(ctx: MethodContext): Record<string, unknown>;
}

/** Parses `args` with `schema`, answering `invalid_arguments` (with Slack-style messages) on failure. */
export function parseArgs<T extends z.ZodType>(schema: T, args: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map(
    (i) => `[ERROR] ${i.message} [json-pointer:/${i.path.map(String).join('/')}]`,
  );
  throw new SlackApiError('invalid_arguments', { response_metadata: { messages } });
}

/** A value the WebClient sends as a JSON string (blocks, view, metadata), or the object itself. */
export function jsonArg<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);
}

/** A boolean sent as `true`/`false`/`1`/`0` in a form or as a JSON boolean. */
export const boolArg = z.preprocess((v) => v === true || v === 'true' || v === '1' || v === 1, z.boolean());

/** A number sent as a string in a form or as a JSON number. */
export const intArg = z.coerce.number().int();

/** A required string argument; Slack's answer when it is missing is method-specific, hence `missing`. */
export function requireString(args: Record<string, unknown>, key: string, missing: string): string {
  const value = args[key];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  throw new SlackApiError(missing);
}

/** Message metadata (`{ event_type, event_payload }`), as a JSON string or object. */
export const metadataArg = jsonArg(
  z.object({ event_type: z.string().min(1), event_payload: z.record(z.string(), z.unknown()) }),
).optional();
