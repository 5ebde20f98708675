/**
 * Finding an email's result in a Slack thread as the fake shows it. With the plan on (as `scribe
 * start` runs), the result is usually the plan's stream itself — the email streamed as markdown, the
 * rest of the result under it as blocks — and otherwise a reply; both carry the `scribe_result`
 * metadata, which a stream still being written does not (issue 23, docs/decisions.md).
 */
import type { SeenMessage } from '../fakes/slack/index.ts';

/** A message holding a result (or one part of it): a posted reply or the plan's stream that became it. */
export const isSlackResult = (m: SeenMessage): boolean => m.metadata?.event_type === 'scribe_result';
