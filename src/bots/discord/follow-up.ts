/**
 * The follow-up reminder on Discord (issue 22, item 4), Components V2: the heading and the draft,
 * quoted, in a container.
 */
import { followUpHeading } from '../../thread/follow-up.ts';
import type { FollowUpView } from '../../thread/reporter.ts';
import { COLORS, escapeMarkdown, textDisplay, truncate, v2Message, type V2Message } from './render.ts';

/** The heading's share of a message's 4,000 characters; the draft (under ~100 words) has the rest. */
const HEADING_MAX = 400;
const DRAFT_MAX = 3_500;

export function renderFollowUp(view: FollowUpView): V2Message {
  const children = [textDisplay(truncate(escapeMarkdown(followUpHeading(view)), HEADING_MAX))];
  if (view.kind !== 'held') {
    const quoted = escapeMarkdown(view.body)
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
    children.push(textDisplay(truncate(quoted, DRAFT_MAX)));
  }
  return v2Message(children, COLORS.info);
}
