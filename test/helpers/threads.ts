/** Node worker threads of a process, from /proc (Linux). */
import fs from 'node:fs';

/** The ids of the Node worker threads alive in process `pid` (default: this one) now; Linux names each "WorkerThread". */
export function workerThreadIds(pid: number | 'self' = 'self'): string[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // the process has ended
  }
  return tasks.filter((tid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'WorkerThread';
    } catch {
      return false; // the thread ended while we looked
    }
  });
}

/** How many Node worker threads process `pid` (default: this one) runs now. */
export function workerThreads(pid: number | 'self' = 'self'): number {
  return workerThreadIds(pid).length;
}
