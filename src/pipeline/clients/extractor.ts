/**
 * Text extraction off the main thread: one reusable worker thread (`extract-worker.ts`) runs
 * linkedom and Readability, one page at a time, and is terminated — then replaced on the next
 * page — when a page's deadline passes or its caller gives up. A frozen Readability (its time
 * grows with the cube of the nesting depth) then costs the page, never the process: pg-boss
 * heartbeats and Slack acks keep running on the main thread.
 *
 * Memory: one thread rather than one per page (each holds the libraries, ~30 MB), its heap capped
 * (`resourceLimits`; a page past it fails instead of growing the process), and it is ended after
 * an idle period so an idle worker process holds no DOM libraries at all. A page reader about to
 * render in the browser asks for it to end sooner (`release`): as soon as no page still needs it,
 * so the thread (~40 MB) is not alive beside Chromium at the worker's peak; reads whose HTML is
 * still downloading keep it (`hold`), so their extraction does not wait for a new thread.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.ts';
import type { ExtractAnswer, ExtractJob } from './extract-worker.ts';
import { DEFAULT_DOM_LIMITS, type DomLimits } from './extract.ts';

export interface ExtractorOptions {
  logger: Logger;
  /** The worker thread's heap (V8 old generation), in MB. Default 192. */
  maxHeapMb?: number | undefined;
  /** End the worker thread after this long without pages (unless `release` asks sooner). Default 30 s. */
  idleCloseMs?: number | undefined;
}

/** Why a page's text could not be extracted (its shape, or the worker failing); the message is for the user. */
export class ExtractError extends Error {}

export interface Extractor {
  /**
   * Starts the worker thread (and its imports) ahead of the first page, while it downloads. Pages
   * are coming: a release still waiting for reads to end is dropped.
   */
  warm(): void;
  /**
   * A page is on its way (its HTML downloading): starts the thread as `warm` does and keeps it,
   * whatever `release` asks meanwhile, until the returned function is called (once its text is
   * extracted, or the read failed). Calling that function again does nothing.
   */
  hold(): () => void;
  /**
   * The thread is not needed for a while (the caller is about to render a page in the browser):
   * end it as soon as no page holds it, is being extracted or waits, rather than after the idle
   * period. Resolves once it has ended when nothing needed it (the caller then loads the browser
   * into the memory it gave back, rather than beside memory freed later and kept by the
   * allocators), at once otherwise: it ends 50 ms after the last read holding it, unless another
   * read came. A later `warm`, `hold` or `extract` starts a new one.
   */
  release(): Promise<void>;
  /**
   * The page's title and main text. Rejects with `ExtractError` (also for a page past `limits`),
   * or with `signal.reason` when the signal aborts first (the thread is then terminated if it was
   * on this page).
   */
  extract(html: string, signal: AbortSignal, limits?: Partial<DomLimits>): Promise<{ title: string; text: string }>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  html: string;
  limits: DomLimits;
  signal: AbortSignal;
  resolve(value: { title: string; text: string }): void;
  reject(err: unknown): void;
  onAbort(): void;
}

let shared: Extractor | undefined;

/** How long a released thread is kept once idle: a new read within it keeps the thread. */
const RELEASE_GRACE_MS = 50;

/**
 * The process's extractor: one worker thread however many page readers there are. It is never
 * closed by them; it ends its thread when idle and never keeps the process alive.
 */
export function sharedExtractor(logger: Logger): Extractor {
  shared ??= createExtractor({ logger });
  return shared;
}

/** An extractor with one worker thread, started on first need. */
export function createExtractor(options: ExtractorOptions): Extractor {
  const maxHeapMb = options.maxHeapMb ?? 192;
  const idleCloseMs = options.idleCloseMs ?? 30_000;
  let worker: Worker | undefined;
  let running: Job | undefined;
  const queue: Job[] = [];
  let nextId = 1;
  let idleTimer: NodeJS.Timeout | undefined;
  /** Pages on their way (`hold`): the thread is kept for them. */
  let holds = 0;
  /** `release` was asked: the thread ends when next idle, not after `idleCloseMs`. */
  let releasing = false;

  const settle = (job: Job) => {
    job.signal.removeEventListener('abort', job.onAbort);
    if (running === job) running = undefined;
  };

  /** Ends the current thread (its job, if any, is failed by the caller first). */
  const stop = (w: Worker): Promise<void> => {
    if (worker === w) worker = undefined;
    return w.terminate().then(
      () => undefined,
      () => undefined,
    );
  };

  const spawn = (): Worker => {
    const w = new Worker(new URL('./extract-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    });
    w.on('message', (answer: ExtractAnswer) => {
      const job = running;
      if (worker !== w || !job || job.id !== answer.id) return;
      settle(job);
      if (answer.ok) job.resolve({ title: answer.title, text: answer.text });
      else
        job.reject(
          new ExtractError('refused' in answer ? answer.refused : `its text could not be extracted (${answer.error})`),
        );
      pump();
    });
    // A thread past its heap cap ends with ERR_WORKER_OUT_OF_MEMORY ('error', then 'exit').
    const lost = (why: string) => {
      if (worker !== w) return;
      worker = undefined;
      const job = running;
      if (job) {
        settle(job);
        job.reject(new ExtractError(why));
      }
      pump();
    };
    w.on('error', (err: Error & { code?: string }) => {
      options.logger.warn({ err }, 'text extraction worker failed; it is restarted for the next page');
      lost(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `it needs more memory than a page may use (${maxHeapMb} MB)`
          : `its text could not be extracted (${err.message})`,
      );
    });
    w.on('exit', () => lost('its text could not be extracted (the extraction worker stopped)'));
    return w;
  };

  /** No page is being extracted or waits: the thread is kept for a page held, or ended now or later. */
  const idle = () => {
    clearTimeout(idleTimer);
    if (!worker) return;
    worker.unref(); // an idle thread must not keep the process alive
    if (holds > 0) return; // a page is downloading: its hold ends with `idle()` again
    const w = worker;
    // Released while reads held it: ended after a moment rather than at once, so that the read a
    // research starts as another one ends (a few promise turns later) finds the thread still there.
    idleTimer = setTimeout(
      () => {
        releasing = false;
        void stop(w);
      },
      releasing ? RELEASE_GRACE_MS : idleCloseMs,
    );
    idleTimer.unref();
  };
  const isIdle = () => !running && queue.length === 0;

  const pump = () => {
    if (running) return;
    const job = queue.shift();
    if (!job) return idle();
    clearTimeout(idleTimer);
    worker ??= spawn();
    worker.ref();
    running = job;
    worker.postMessage({ id: job.id, html: job.html, limits: job.limits } satisfies ExtractJob);
  };

  return {
    warm() {
      releasing = false;
      if (worker) return;
      worker = spawn();
      if (!running) idle();
    },
    hold() {
      holds++;
      clearTimeout(idleTimer);
      if (!worker) {
        worker = spawn();
        worker.unref(); // the read holding it keeps the process alive, not the thread
      }
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        holds--;
        if (isIdle()) idle();
      };
    },
    async release() {
      if (!worker) return;
      if (isIdle() && holds === 0) {
        clearTimeout(idleTimer);
        releasing = false;
        await stop(worker);
        return;
      }
      releasing = true; // ended by `idle()` once the reads holding or using it are done
    },
    extract(html, signal, limits) {
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const job: Job = {
          id: nextId++,
          html,
          limits: { ...DEFAULT_DOM_LIMITS, ...limits },
          signal,
          resolve,
          reject,
          onAbort: () => {
            const wasRunning = running === job;
            settle(job);
            if (wasRunning && worker) {
              // Mid-Readability: the only way to stop it is to end the thread.
              options.logger.warn(
                'text extraction stopped (page deadline or cancelled); the extraction worker is restarted',
              );
              stop(worker);
            } else if (queue.includes(job)) {
              queue.splice(queue.indexOf(job), 1);
            }
            reject(signal.reason);
            pump();
          },
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
        queue.push(job);
        pump();
      });
    },
    async close() {
      clearTimeout(idleTimer);
      releasing = false;
      const w = worker;
      worker = undefined;
      for (const job of [...(running ? [running] : []), ...queue.splice(0)]) {
        settle(job);
        job.reject(new ExtractError('the page reader was closed'));
      }
      await w?.terminate().catch(() => undefined);
    },
  };
}
