/**
 * Scribe's small error vocabulary. Every error that crosses a module boundary is a `ScribeError`
 * with a stable `code`; the worker decides "retry or fail" from the class alone:
 * `RetryableError` (service down, 429, 5xx, 529, timeouts) may succeed later,
 * `PermanentError` (bad input, invalid answer, 401) never will.
 *
 * Messages are written for the person in the chat thread: what failed, where, and what to do.
 */
// Type only, from a module that imports nothing of ours: no cycle.
import type { LlmUsage } from './pipeline/prices.ts';

export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  NotConfigured: 'not_configured',
  InvalidInput: 'invalid_input',
  QuotaExceeded: 'quota_exceeded',
  NotAllowed: 'not_allowed',
  NotFound: 'not_found',
  /** The same request arrived twice in a moment (a double click, a replayed event). */
  Duplicate: 'duplicate',
  ServiceUnavailable: 'service_unavailable',
  RateLimited: 'rate_limited',
  Timeout: 'timeout',
  ServiceRejected: 'service_rejected',
  InvalidAnswer: 'invalid_answer',
  /**
   * The organisation's (or workspace's) Anthropic spend limit is reached: every request fails until
   * someone raises it in the Anthropic Console, so retrying only wastes the user's time.
   */
  SpendLimitReached: 'spend_limit_reached',
  /** The model's answer hit the request's `max_tokens`: the same request would be cut again. */
  AnswerTooLong: 'answer_too_long',
  /** The input leaves the model no room to answer (stop reason `model_context_window_exceeded`). */
  InputTooLong: 'input_too_long',
  /** The model declined to answer (stop reason `refusal`). */
  ModelDeclined: 'model_declined',
  /** The model stopped before finishing for another reason (`pause_turn`, an unknown stop reason). */
  AnswerIncomplete: 'answer_incomplete',
  PageRefused: 'page_refused',
  PageFailed: 'page_failed',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ScribeErrorDetails {
  /** External service involved, e.g. "Anthropic", "Exa", "arXiv", "Slack". */
  service?: string;
  /** HTTP status, when the failure came from an HTTP answer. */
  status?: number;
  /** Pipeline step, when known. */
  step?: string;
  cause?: unknown;
  /**
   * Tokens the failed call was billed for: an answer that arrived but could not be used (invalid
   * JSON, cut off, refused) still costs money, and the cost tracking counts it.
   */
  usage?: LlmUsage | undefined;
}

export class ScribeError extends Error {
  readonly code: ErrorCode;
  readonly service: string | undefined;
  readonly status: number | undefined;
  readonly step: string | undefined;
  readonly usage: LlmUsage | undefined;

  constructor(code: ErrorCode, message: string, details: ScribeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.service = details.service;
    this.status = details.status;
    this.step = details.step;
    this.usage = details.usage;
  }
}

/** May succeed if tried again later. `retryAfterMs` is the service's own hint when it gave one. */
export class RetryableError extends ScribeError {
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, details: ScribeErrorDetails & { retryAfterMs?: number } = {}) {
    super(code, message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Will fail the same way every time: retrying wastes the user's time and our quota. */
export class PermanentError extends ScribeError {}

export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableError;
}

/** Wraps anything thrown into a ScribeError, keeping ScribeErrors as they are. */
export function asScribeError(err: unknown, fallback: Partial<ScribeErrorDetails> = {}): ScribeError {
  if (err instanceof ScribeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ScribeError(ErrorCode.Internal, message, { ...fallback, cause: err });
}

/** The model answered, but not in the shape we asked for. Carries what it said and why it failed. */
export class InvalidAnswerError extends PermanentError {
  readonly raw: string;
  readonly issues: string;

  constructor(message: string, details: ScribeErrorDetails & { raw: string; issues: string }) {
    super(ErrorCode.InvalidAnswer, message, details);
    this.raw = details.raw;
    this.issues = details.issues;
  }
}

// The request layer's refusals (src/requests/), as the errors callers without a chat get (the
// CLI, benchmarks, tests); the chat flows answer with outcomes instead. Their words are the request
// layer's where they need its figures (a price, a refusal's numbers): it passes the message in.

/** The fields of a request for an email, as the forms name them ("Who exactly?" is `identityHint`). */
export type RequestField = 'template' | 'recipientName' | 'recipientInterest' | 'identityHint';

/** Bad input, with a message per field so a form can show each where it belongs. */
export class InvalidRequestError extends PermanentError {
  readonly fields: Readonly<Partial<Record<RequestField, string>>>;
  constructor(fields: Partial<Record<RequestField, string>>) {
    super(ErrorCode.InvalidInput, Object.values(fields).join('. '));
    this.fields = fields;
  }
}

/** The person's daily quota is used up. */
export class QuotaExceededError extends PermanentError {
  readonly quota: number;
  constructor(quota: number) {
    super(
      ErrorCode.QuotaExceeded,
      `You have used all ${quota} emails for today. The quota resets at midnight UTC; ` +
        'ask your admin to raise SCRIBE_DAILY_QUOTA if you need more.',
    );
    this.quota = quota;
  }
}

/** The workspace's daily budget is spent, or its generations are paused after an Anthropic spend limit. */
export class BudgetExceededError extends PermanentError {
  /** `message`: the request layer's `budgetText`. */
  constructor(message: string) {
    super(ErrorCode.QuotaExceeded, message);
  }
}

/** A batch refused for the quota or the budget; `refusal` has its figures, `message` words them. */
export class BatchQuotaError<Refusal = unknown> extends PermanentError {
  readonly refusal: Refusal;
  constructor(refusal: Refusal, message: string) {
    super(ErrorCode.QuotaExceeded, message);
    this.refusal = refusal;
  }
}

/** The actor may not do this to the email (only its requester or an admin may). */
export class NotAllowedError extends PermanentError {
  constructor(message: string) {
    super(ErrorCode.NotAllowed, message);
  }
}

/** The same regeneration was started a moment ago; `existing` is that version. */
export class DuplicateRegenerationError<Version = unknown> extends PermanentError {
  readonly existing: Version;
  constructor(existing: Version) {
    super(ErrorCode.Duplicate, 'A new version of this email is already being written.');
    this.existing = existing;
  }
}
