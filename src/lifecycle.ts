/**
 * Start/stop ownership for a composition root. Parts register how to stop as they start; shutdown
 * runs those in reverse order (so the worker drains before the queue stops, the queue before the
 * pool closes, the pool before the embedded database stops), each bounded by a timeout.
 */
import type { Logger } from './log.ts';

const DUPLICATE_SIGNAL_WINDOW_MS = 2_000;

interface Part {
  name: string;
  stop: () => Promise<void>;
  timeoutMs: number;
}

export interface Lifecycle {
  /** Registers a part; it is stopped before every part registered earlier. */
  add(name: string, stop: () => Promise<void>, timeoutMs?: number): void;
  /** Stops everything once; later calls wait for the first. Resolves true when all stopped cleanly. */
  shutdown(reason: string): Promise<boolean>;
  /** SIGTERM/SIGINT → shutdown → exit 0 (1 if a part failed). A second signal (seconds later) exits at once. */
  handleSignals(exit?: (code: number) => void): void;
}

export function createLifecycle(logger: Logger, defaultTimeoutMs = 30_000): Lifecycle {
  const parts: Part[] = [];
  let stopping: Promise<boolean> | undefined;

  async function stopPart(part: Part): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        part.stop(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not stop within ${part.timeoutMs} ms`)), part.timeoutMs);
        }),
      ]);
      logger.debug({ part: part.name }, 'stopped');
      return true;
    } catch (err) {
      logger.error({ err, part: part.name }, 'failed to stop cleanly');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  const lifecycle: Lifecycle = {
    add(name, stop, timeoutMs = defaultTimeoutMs) {
      parts.push({ name, stop, timeoutMs });
    },
    shutdown(reason) {
      stopping ??= (async () => {
        logger.info({ reason }, 'shutting down');
        let clean = true;
        for (const part of [...parts].reverse()) clean = (await stopPart(part)) && clean;
        logger.info({ clean }, 'shut down');
        return clean;
      })();
      return stopping;
    },
    handleSignals(exit = (code) => process.exit(code)) {
      let firstSignalAt: number | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        const now = Date.now();
        if (firstSignalAt !== undefined) {
          // The same Ctrl-C often arrives twice: the terminal signals the whole process group and
          // `npm start` forwards it to us as well. Only a later, deliberate second signal forces exit.
          if (now - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
          logger.warn({ signal }, 'second signal: exiting without waiting');
          exit(1);
          return;
        }
        firstSignalAt = now;
        void lifecycle.shutdown(signal).then((clean) => {
          // Let pino's asynchronous destination flush its last lines before exiting.
          logger.flush(() => exit(clean ? 0 : 1));
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
  };
  return lifecycle;
}
