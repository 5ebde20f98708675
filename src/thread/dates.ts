/** Dates as the thread says them. */

/** "12 Nov" (UTC), or "12 Nov 2025" when not this year. */
export function shortDate(at: Date, now: Date = new Date()): string {
  const sameYear = at.getUTCFullYear() === now.getUTCFullYear();
  return at.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    timeZone: 'UTC',
  });
}
