/**
 * Outreach memory on Slack (issue 22): the warning before a new email to someone already emailed,
 * with its *Write anyway* button (on the private answer, through the response URL), and
 * `/scribe export` (the CSV uploaded as a file to the person). The rules and reads are the request
 * layer's (src/requests/outreach.ts).
 */
import { z } from 'zod';
import { contactedText, exportFileName, outreachCsv, readOutreach } from '../../requests/outreach.ts';
import { startAnyway, type StartOutcome } from '../../requests/start.ts';
import type { Outreach, UserIdentity } from '../../requests/types.ts';
import { refusalText } from '../shared/outcomes.ts';
import type { ResponseMessage, SlackBotDeps } from './deps.ts';
import { startPort } from './port.ts';
import { escapeMrkdwn } from './render.ts';

/** *Write anyway*'s `action_id`; its `value` is the kept request's id. */
export const WRITE_ANYWAY_ID = 'scribe_write_anyway';

/** The warning, said privately: when, which version, and *Write anyway*. */
export function renderContacted(outreach: Outreach, draftId: string): ResponseMessage {
  const text = `${escapeMrkdwn(contactedText(outreach))} Nothing was started. Write to them again?`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'scribe_contacted_actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: '✍️ Write anyway', emoji: true },
            action_id: WRITE_ANYWAY_ID,
            value: draftId,
            style: 'primary',
          },
        ],
      },
    ],
  };
}

const WriteAnywaySchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  channel: z.looseObject({ id: z.string().min(1) }).nullish(),
  container: z.looseObject({ channel_id: z.string().optional() }).optional(),
  response_url: z.url().optional(),
  actions: z.array(z.looseObject({ action_id: z.literal(WRITE_ANYWAY_ID), value: z.uuid() })).min(1),
});

/** The words of a *Write anyway* that did not start (a start says itself, with its progress message). */
function anywayReply(outcome: StartOutcome): string | undefined {
  switch (outcome.kind) {
    case 'started':
      return '✍️ Writing it anyway: the progress is in the channel.';
    case 'quota':
    case 'budget':
      return refusalText(outcome);
    case 'draft-gone':
      return 'That request is no longer kept (it was started already, or it is over a day old). Run `/scribe` again.';
    case 'cannot-post':
      return 'I can’t post in this channel. Invite me with `/invite @Scribe`, or run `/scribe` in another one.';
    case 'invalid':
      return `I couldn’t start that email: ${Object.values(outcome.fields).join(' ')}`;
    case 'contacted':
      return undefined;
  }
}

/** *Write anyway* pressed on the warning: the request as typed starts, and the warning says so. */
export async function handleWriteAnyway(
  deps: SlackBotDeps,
  args: { body: unknown; ack: () => Promise<void> },
): Promise<string> {
  await args.ack();
  const body = WriteAnywaySchema.parse(args.body);
  const channel = body.channel?.id ?? body.container?.channel_id;
  const [pressed] = body.actions;
  if (!channel || !pressed) return 'ignored';
  const identity: UserIdentity = {
    platform: 'slack',
    teamId: body.team?.id ?? body.user.team_id ?? '',
    platformUserId: body.user.id,
    displayName: body.user.name ?? null,
  };
  const port = startPort(deps, {
    userId: identity.platformUserId,
    channel,
    responseUrl: body.response_url,
    recipientName: '',
  });
  const outcome = await startAnyway(deps, port, identity, pressed.value);
  const text = anywayReply(outcome);
  if (text && body.response_url)
    await deps
      .respond(body.response_url, { text, replace_original: true })
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not answer Write anyway'));
  return `anyway:${outcome.kind}`;
}

export const NO_OUTREACH =
  'You haven’t marked any email as sent yet: press *Mark as sent* under an email once you have sent it.';

/**
 * `/scribe export`: the person's outreach as a CSV file, uploaded to their DM with the bot (a file
 * in the channel would show everyone whom they wrote to).
 */
export async function exportOutreach(deps: SlackBotDeps, identity: UserIdentity): Promise<string | undefined> {
  const rows = await readOutreach(deps.pool, identity);
  if (!rows.length) return NO_OUTREACH;
  const dm = (await deps.client.conversations.open({ users: identity.platformUserId })).channel?.id;
  if (!dm) throw new Error('conversations.open answered without a channel id');
  await deps.client.files.uploadV2({
    channel_id: dm,
    filename: exportFileName(),
    title: 'Scribe outreach',
    content: outreachCsv(rows),
    initial_comment: `Your outreach: ${rows.length === 1 ? 'one email' : `${rows.length} emails`} marked as sent.`,
  });
  return `Your outreach CSV (${rows.length === 1 ? 'one email' : `${rows.length} emails`}) is in our DM.`;
}
