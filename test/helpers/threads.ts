/** Threads of the test process itself, from /proc (Linux). */
import fs from 'node:fs';

/** The ids of the Node worker threads alive in this process now (Linux names each "WorkerThread"). */
export function workerThreadIds(): string[] {
  return fs.readdirSync('/proc/self/task').filter((tid) => {
    try {
      return fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'WorkerThread';
    } catch {
      return false; // the thread ended while we looked
    }
  });
}

/** How many Node worker threads this process runs now. */
export function workerThreads(): number {
  return workerThreadIds().length;
}
