/** The follow-up reminder on Slack (issue 22, item 4): the heading and the draft, quoted for copying. */
import { followUpHeading } from '../../thread/follow-up.ts';
import type { FollowUpView } from '../../thread/reporter.ts';
import { escapeMrkdwn, type SlackMessage } from './render.ts';

/** A section's text holds 3,000 characters; a follow-up is under ~100 words. */
const SECTION_MAX = 3_000;

export function renderFollowUp(view: FollowUpView): SlackMessage {
  const heading = escapeMrkdwn(followUpHeading(view));
  if (view.kind === 'held')
    return { text: heading, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: heading } }] };
  const quoted = escapeMrkdwn(view.body)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n')
    .slice(0, SECTION_MAX);
  return {
    text: `${heading}\n\n${view.body}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: heading } },
      { type: 'section', text: { type: 'mrkdwn', text: quoted } },
    ],
  };
}
