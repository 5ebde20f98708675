/**
 * The follow-up reminder's words, platform-neutral (issue 22, item 4): the heading over the draft
 * and the notice when the quota held it. The adapters render the view (each platform’s reporter.ts).
 */
import type { FollowUpView } from './reporter.ts';
import { shortDate } from './dates.ts';

/** "⏰ No reply from Ada Lovelace since 12 Nov? Here is a follow-up you can send:" */
export function followUpHeading(view: FollowUpView): string {
  const since = `No reply from ${view.recipientName} since ${shortDate(view.sentAt)}?`;
  return view.kind === 'draft'
    ? `⏰ ${since} Here is a follow-up you can send:`
    : `⏰ ${since} Time to follow up — but no draft was written: ${view.reason}`;
}

/** Why a due follow-up was not drafted: the person's daily quota is used up. */
export function quotaText(quota: number): string {
  return `you have used your ${quota} emails for today, and a follow-up counts as one. Write it yourself, or run /scribe tomorrow.`;
}
