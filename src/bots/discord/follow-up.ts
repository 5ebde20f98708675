/** The follow-up reminder on Discord (issue 22, item 4): the heading and the draft, quoted for copying. */
import { followUpHeading } from '../../thread/follow-up.ts';
import type { FollowUpView } from '../../thread/reporter.ts';
import { escapeMarkdown, NO_MENTIONS } from './render.ts';

/** A message's content holds 2,000 characters; a follow-up is under ~100 words. */
const CONTENT_MAX = 2_000;

export function renderFollowUp(view: FollowUpView): { content: string; allowed_mentions: typeof NO_MENTIONS } {
  const heading = escapeMarkdown(followUpHeading(view));
  const content =
    view.kind === 'held'
      ? heading
      : `${heading}\n${escapeMarkdown(view.body)
          .split('\n')
          .map((line) => `> ${line}`)
          .join('\n')}`;
  return { content: content.slice(0, CONTENT_MAX), allowed_mentions: NO_MENTIONS };
}
