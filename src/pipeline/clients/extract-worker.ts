/**
 * The extraction worker thread (started by `extractor.ts`): takes HTML, answers with its text or
 * the reason it was refused. It holds linkedom and Readability so the main thread never does, and
 * it is what gets terminated when a page's deadline passes in the middle of Readability.
 */
import { parentPort } from 'node:worker_threads';
import { DomLimitError, extractText, preloadDom, type DomLimits } from './extract.ts';

/** A request from the main thread. */
export interface ExtractJob {
  id: number;
  html: string;
  limits: DomLimits;
}

/** The answer: the text, a refusal for the page's shape, or an unexpected error's message. */
export type ExtractAnswer =
  | { id: number; ok: true; title: string; text: string }
  | { id: number; ok: false; refused: string }
  | { id: number; ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('extract-worker.ts runs as a worker thread');
// Loaded while the first page still downloads: the first extraction then starts at once.
void preloadDom().catch(() => undefined);
port.on('message', async (job: ExtractJob) => {
  let answer: ExtractAnswer;
  try {
    answer = { id: job.id, ok: true, ...(await extractText(job.html, job.limits)) };
  } catch (err) {
    answer =
      err instanceof DomLimitError
        ? { id: job.id, ok: false, refused: err.message }
        : { id: job.id, ok: false, error: String(err instanceof Error ? err.message : err) };
  }
  port.postMessage(answer);
});
