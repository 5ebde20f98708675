/** Memory readings from /proc (Linux): RSS and PSS of a process and its descendants. */
import fs from 'node:fs';

/** Resident set size of one process, in MB. */
/**
 * CPU time a process has used so far, all its threads (/proc/<pid>/stat utime + stime), in ms; 0
 * once it has ended.
 */
export function processCpuMs(pid: number): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // "pid (comm) state …": comm may hold spaces, so count the fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
}

/** A process's main thread's time on a CPU so far (`/proc/<pid>/task/<pid>/schedstat`, ns), in ms. */
export function mainThreadCpuMs(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return 0;
  }
}

/**
 * Waits until a process's main thread is quiet: less than `busyMs` of CPU in `windowMs`, or until
 * `timeoutMs`. Returns how long it waited, in ms.
 */
export async function untilQuiet(
  pid: number,
  { windowMs = 50, busyMs = 5, timeoutMs = 3_000 }: { windowMs?: number; busyMs?: number; timeoutMs?: number } = {},
): Promise<number> {
  const start = performance.now();
  for (;;) {
    const from = mainThreadCpuMs(pid);
    await new Promise((r) => setTimeout(r, windowMs));
    if (mainThreadCpuMs(pid) - from < busyMs || performance.now() - start >= timeoutMs)
      return Math.round(performance.now() - start);
  }
}

/** The whole machine's busy CPU time so far, all cores (/proc/stat: all but idle and iowait), in ms. */
export function machineCpuMs(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal
  return ticks.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + Number(v)), 0) * 10;
}

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Proportional set size of one process in kB (0 when it is gone). */
function pssKb(pid: number): number {
  return rollupKb(pid).pss;
}

/**
 * PSS, USS (private pages only) and anonymous memory of one process in kB (0 when it is gone).
 * PSS shares a page among every process that maps it, so it moves with what else runs (another
 * Node or Chromium on the box halves the share of its binary), and so does USS (a page another
 * process maps is no longer private); anonymous memory (heaps, not files) does not.
 */
function rollupKb(pid: number): { pss: number; uss: number; anon: number } {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
    return { pss: kb('Pss'), uss: kb('Private_Clean') + kb('Private_Dirty'), anon: kb('Anonymous') };
  } catch {
    return { pss: 0, uss: 0, anon: 0 };
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

/**
 * What kind of process `pid` is in a Scribe tree: `node` (the root: main thread and its worker
 * threads), `browser` (Chromium's main process), Chromium's `--type` otherwise (`renderer`,
 * `gpu-process`, `utility`, `zygote`, …), or the program's name for anything else.
 */
export function processKind(pid: number, root: number): string {
  if (pid === root) return 'node';
  let args: string[];
  try {
    // Chromium rewrites its children's titles into one space-separated string.
    args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  } catch {
    return 'gone';
  }
  const type = args.find((a) => a.startsWith('--type='))?.slice('--type='.length);
  if (type) return type;
  return /chrom/i.test(args[0] ?? '') ? 'browser' : args[0]?.split('/').pop() || 'unknown';
}

/**
 * `treePssMb`, with the PSS, the USS and the anonymous memory (MB) of each kind of process
 * (`processKind`) in the tree.
 */
export function treePssByKind(root: number): {
  mb: number;
  processes: number;
  byKind: Record<string, number>;
  ussByKind: Record<string, number>;
  anonByKind: Record<string, number>;
} {
  const tree = processTree(root);
  const pssByKind: Record<string, number> = {};
  const ussByKind: Record<string, number> = {};
  const anonByKind: Record<string, number> = {};
  let kb = 0;
  for (const pid of tree) {
    const { pss, uss, anon } = rollupKb(pid);
    const kind = processKind(pid, root);
    pssByKind[kind] = (pssByKind[kind] ?? 0) + pss;
    ussByKind[kind] = (ussByKind[kind] ?? 0) + uss;
    anonByKind[kind] = (anonByKind[kind] ?? 0) + anon;
    kb += pss;
  }
  const mb = (k: number) => Math.round((k / 1024) * 10) / 10;
  const inMb = (byKind: Record<string, number>) =>
    Object.fromEntries(Object.entries(byKind).map(([kind, k]) => [kind, mb(k)]));
  return {
    mb: mb(kb),
    processes: tree.length,
    byKind: inMb(pssByKind),
    ussByKind: inMb(ussByKind),
    anonByKind: inMb(anonByKind),
  };
}
