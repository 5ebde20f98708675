/**
 * The line under a result: "≈ $0.024 · 11.2 s", what the email cost and how long it took. One
 * formatter for Slack, Discord and the terminal, so the figures read the same everywhere.
 */
import { formatUsd } from '../../pipeline/prices.ts';
import type { ResultView } from '../../thread/reporter.ts';

/** The footer text, or undefined when the result carries no cost (an older row, a test). */
export function resultFooter(view: Pick<ResultView, 'cost'>): string | undefined {
  if (!view.cost) return undefined;
  return `≈ ${formatUsd(view.cost.usd)} · ${view.cost.seconds.toFixed(1)} s`;
}
