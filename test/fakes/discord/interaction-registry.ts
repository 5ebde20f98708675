/**
 * Interactions the fake has dispatched, and how the app answered each: Discord's rules on time
 * (an initial response within 3 s, a token valid for 15 minutes) and on order (one initial
 * response, then edits and follow-ups) are enforced by callbacks.ts from these records.
 */
import type { APIInteraction } from 'discord.js';

/** One answer to `POST /interactions/{id}/{token}/callback`. */
export interface CallbackRecord {
  /** 4 message, 5 deferred message, 6 deferred update, 7 update message, 9 modal. */
  type: number;
  /** The callback's `data` (message body or modal). */
  data: Record<string, unknown> | undefined;
  withResponse: boolean;
  /** The HTTP status the fake answered. */
  status: number;
  at: number;
  /** `performance.now()` when the fake's server first saw the callback, before reading its body. */
  receivedAt: number;
}

/** An interaction and its lifecycle. */
export interface InteractionRecord {
  payload: APIInteraction;
  createdAt: number;
  /** The accepted initial response, once there is one. */
  initial?: CallbackRecord;
  /** Every callback attempt, accepted or refused. */
  callbacks: CallbackRecord[];
  /** The message `@original` refers to. */
  originalMessageId?: string;
  /** Set by {@link InteractionRegistry.expireToken}, or when the lifetime has passed. */
  tokenExpired: boolean;
}

/** Timing rules; tests shorten them to exercise expiry. */
export interface InteractionTiming {
  /** Time allowed for the initial response (Discord: 3 s). */
  ackDeadlineMs: number;
  /** Lifetime of the interaction token for webhooks (Discord: 15 minutes). */
  tokenLifetimeMs: number;
}

/** Interaction records with waiters for the app's answers. */
export class InteractionRegistry {
  readonly timing: InteractionTiming;
  private readonly byId = new Map<string, InteractionRecord>();
  private readonly waiters = new Map<string, Array<(c: CallbackRecord) => void>>();

  constructor(timing: Partial<InteractionTiming> = {}) {
    this.timing = { ackDeadlineMs: 3000, tokenLifetimeMs: 15 * 60_000, ...timing };
  }

  /** Remembers an interaction about to be dispatched. */
  register(payload: APIInteraction): InteractionRecord {
    const record: InteractionRecord = { payload, createdAt: Date.now(), callbacks: [], tokenExpired: false };
    this.byId.set(payload.id, record);
    return record;
  }

  get(id: string): InteractionRecord | undefined {
    return this.byId.get(id);
  }

  /** The interaction whose token this is, for webhook routes. */
  byToken(token: string): InteractionRecord | undefined {
    for (const r of this.byId.values()) if (r.payload.token === token) return r;
    return undefined;
  }

  /** Whether the token can no longer be used for webhooks. */
  expired(record: InteractionRecord): boolean {
    return record.tokenExpired || Date.now() - record.createdAt > this.timing.tokenLifetimeMs;
  }

  /** Makes the interaction's token invalid now, as if 15 minutes had passed. */
  expireToken(id: string): void {
    const record = this.byId.get(id);
    if (!record) throw new Error(`no interaction ${id}`);
    record.tokenExpired = true;
  }

  /** Records a callback attempt and wakes waiters when it was accepted. */
  recordCallback(record: InteractionRecord, callback: CallbackRecord): void {
    record.callbacks.push(callback);
    if (callback.status >= 300) return;
    record.initial = callback;
    const waiting = this.waiters.get(record.payload.id) ?? [];
    this.waiters.delete(record.payload.id);
    for (const resolve of waiting) resolve(callback);
  }

  /** Resolves with the app's accepted initial response to an interaction (past or future). */
  nextCallback(interactionId: string): Promise<CallbackRecord> {
    const initial = this.byId.get(interactionId)?.initial;
    if (initial) return Promise.resolve(initial);
    return new Promise((resolve) => {
      const list = this.waiters.get(interactionId) ?? [];
      list.push(resolve);
      this.waiters.set(interactionId, list);
    });
  }
}
