/** Benchmark output: one JSON line per measurement on stdout. */

export function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function stats(samples: number[]): { p50: number; p99: number; mean: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    p50: r(at(0.5)),
    p99: r(at(0.99)),
    mean: r(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    min: r(sorted[0] ?? 0),
    max: r(sorted.at(-1) ?? 0),
  };
}
