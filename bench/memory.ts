/** Memory readings from /proc (Linux): RSS and PSS of a process and its descendants. */
import fs from 'node:fs';

/** Resident set size of one process, in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Proportional set size of one process in kB (0 when it is gone). */
function pssKb(pid: number): number {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The process and every descendant (Chromium's renderer, GPU and zygote processes included). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** PSS of a process tree, in MB, and how many processes it had. */
export function treePssMb(root: number): { mb: number; processes: number } {
  const tree = processTree(root);
  const kb = tree.reduce((sum, pid) => sum + pssKb(pid), 0);
  return { mb: Math.round((kb / 1024) * 10) / 10, processes: tree.length };
}
