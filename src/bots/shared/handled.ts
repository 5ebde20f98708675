/**
 * Every handler of both bots runs inside `run`: it logs the outcome (one line per handled event,
 * which the end-to-end tests read), reports it to `onOutcome`, lets the platform apologise when
 * something broke on our side, and keeps track of handlers in flight for a clean stop.
 */
import type { Logger } from '../../log.ts';

/** One handled event: a command, a form submission, a button press or a reaction, by the platform's id. */
export interface HandledEvent {
  kind: 'command' | 'modal' | 'button' | 'reaction' | 'event';
  id: string;
  /** E.g. `modal`, `help`, `invalid`, `quota`, `started`, `duplicate`, `ignored:not-allowed`, `error`. */
  outcome: string;
  error?: unknown;
}

/** Told of every handled event (tests wait on it). */
export type OnOutcome = (event: HandledEvent) => void;

/** What registering a bot's handlers gives back: a way to wait for the handlers in flight. */
export type Registration = Pick<HandlerRunner, 'drain'>;

export interface HandlerRunner {
  /** Runs one handler; `onError` answers the person after a failure (best effort). Never rejects. */
  run(
    kind: HandledEvent['kind'],
    id: string,
    handle: () => Promise<string>,
    onError?: () => Promise<unknown>,
  ): Promise<void>;
  /** Waits for the handlers still running (up to `timeoutMs`). */
  drain(timeoutMs?: number): Promise<void>;
}

/** `handledMessage` is the log line of a handled event (`slack request handled`, `discord event handled`). */
export function createHandlerRunner(logger: Logger, handledMessage: string, onOutcome?: OnOutcome): HandlerRunner {
  const inFlight = new Set<Promise<void>>();
  return {
    run(kind, id, handle, onError) {
      const task = (async () => {
        let event: HandledEvent;
        try {
          event = { kind, id, outcome: await handle() };
          logger.info({ event: 'request.handled', ...event }, handledMessage);
        } catch (err) {
          logger.error({ err, kind, id }, 'handler failed');
          event = { kind, id, outcome: 'error', error: err };
          if (onError) await onError().catch((e: unknown) => logger.warn({ err: e }, 'could not apologise'));
        }
        onOutcome?.(event);
      })();
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      return task;
    },
    async drain(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.allSettled([...inFlight]), deadline]);
      clearTimeout(timer);
    },
  };
}

/** Said when something broke on Scribe's side. */
export const SORRY = 'Something went wrong on Scribe’s side. Please try again in a minute.';
