/**
 * Coalesced progress edits: at most one edit per message per interval, and the last state always
 * delivered. Chat platforms rate-limit message edits (Slack's chat.update is about one per second
 * per channel), and the runner can emit several events within a second.
 */
import type { Logger } from '../log.ts';
import type { ProgressView, ThreadAddress, ThreadReporter } from '../thread/reporter.ts';

interface Slot {
  lastSentAt: number;
  pending: { address: ThreadAddress; view: ProgressView } | undefined;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void>;
}

export interface CoalesceOptions {
  intervalMs?: number;
  logger: Logger;
  now?: () => number;
}

/** Wraps a reporter so that `progress` calls are coalesced per progress message. */
export function coalesceProgress(
  inner: ThreadReporter,
  options: CoalesceOptions,
): ThreadReporter & {
  flush(address: ThreadAddress): Promise<void>;
} {
  const intervalMs = options.intervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  const keyOf = (a: ThreadAddress) => `${a.platform}:${a.channelId ?? ''}:${a.progressMessageId ?? a.generationId}`;

  function send(slot: Slot): Promise<void> {
    const next = slot.pending;
    slot.pending = undefined;
    slot.timer = undefined;
    if (!next) return slot.inFlight;
    slot.lastSentAt = now();
    // Edits to one message go out in order: each waits for the one before it.
    slot.inFlight = slot.inFlight
      .then(() => inner.progress(next.address, next.view))
      .catch((err: unknown) => {
        // A lost progress edit is not worth failing a generation: the next edit carries the state.
        options.logger.warn({ err, generationId: next.address.generationId }, 'progress edit failed');
      });
    return slot.inFlight;
  }

  async function flush(address: ThreadAddress): Promise<void> {
    const key = keyOf(address);
    const slot = slots.get(key);
    if (!slot) return;
    clearTimeout(slot.timer);
    await send(slot);
  }

  /** The generation is over: deliver what is pending and forget its slot. */
  async function finish(address: ThreadAddress): Promise<void> {
    await flush(address);
    slots.delete(keyOf(address));
  }

  return {
    async progress(address, view) {
      const key = keyOf(address);
      let slot = slots.get(key);
      if (!slot) {
        slot = { lastSentAt: -Infinity, pending: undefined, timer: undefined, inFlight: Promise.resolve() };
        slots.set(key, slot);
      }
      slot.pending = { address, view };
      const wait = slot.lastSentAt + intervalMs - now();
      if (wait <= 0 && !slot.timer) {
        await send(slot);
      } else if (!slot.timer) {
        const s = slot;
        s.timer = setTimeout(() => void send(s), Math.max(0, wait));
      }
    },
    async result(address, view, resultOptions) {
      await finish(address);
      return inner.result(address, view, resultOptions);
    },
    async failed(address, failure) {
      await finish(address);
      return inner.failed(address, failure);
    },
    // Only where the inner reporter can show a review: the worker pauses for one only then.
    ...(inner.review ? { review: inner.review.bind(inner) } : {}),
    flush,
  };
}
