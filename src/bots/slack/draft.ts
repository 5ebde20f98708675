/**
 * Starting a generation from the Slack modal (after it was validated and acknowledged): post the
 * progress message where `/scribe` ran — or, when the bot is not in that channel, in a DM with the
 * person, saying why — mention the person in its thread so Slack notifies them of the result,
 * then record and enqueue with the message's address. Slash commands cannot run inside threads,
 * so the bot always makes the thread's parent itself.
 *
 * A request refused after the first post (another request took the last slot meanwhile) removes
 * what it posted: nothing is left half-started.
 */
import { createGeneration, QuotaExceededError, type GenerationRequest } from '../../jobs/enqueue.ts';
import { initialProgress } from '../../jobs/progress.ts';
import type { Generation } from '../../db/generations.ts';
import type { UserIdentity } from '../../db/users.ts';
import { CANNOT_POST, slackErrorCode } from './client.ts';
import type { SlackBotDeps } from './deps.ts';
import type { ModalMetadata } from './modal.ts';
import { escapeMrkdwn, renderProgress } from './render.ts';

/** A validated request from the modal, and where the modal was opened. */
export interface DraftInput {
  user: UserIdentity & { platform: 'slack' };
  request: GenerationRequest;
  metadata: ModalMetadata;
}

/** What came of it: started (in the channel, or in a DM when the bot is not in it), or refused for the quota. */
export type DraftOutcome =
  | { kind: 'started'; generation: Generation; where: 'channel' | 'dm' }
  | { kind: 'quota'; message: string };

/** Runs the flow; answers what happened. Throws for failures nobody planned for (the handler apologises). */
export async function startDraft(deps: SlackBotDeps, input: DraftInput): Promise<DraftOutcome> {
  const { client } = deps;
  const userId = input.user.platformUserId;
  const progress = renderProgress(initialProgress(input.request.recipientName, 1));
  let channel = input.metadata.channel;
  let where: 'channel' | 'dm' = 'channel';
  let ts: string | undefined;
  try {
    ({ ts } = await client.chat.postMessage({ channel, ...progress, unfurl_links: false }));
  } catch (err) {
    if (!CANNOT_POST.has(slackErrorCode(err) ?? '')) throw err;
    // Not a member (or a private channel): the person's DM with the bot instead, and why.
    deps.logger.info({ channel, code: slackErrorCode(err) }, 'not in the channel; drafting in a DM');
    const dm = await client.conversations.open({ users: userId });
    const dmChannel = dm.channel?.id;
    if (!dmChannel) throw new Error('conversations.open answered without a channel id');
    const why = `I'm not a member of <#${channel}>, so I'm drafting your email here instead. ` +
      `To have me post in <#${channel}>, invite me there with \`/invite @Scribe\`.`;
    await client.chat.postMessage({ channel: dmChannel, text: why });
    if (input.metadata.responseUrl) {
      await deps.respond(input.metadata.responseUrl, {
        text: `I can't post in this channel because I'm not a member, so I'm drafting your email to ` +
          `*${escapeMrkdwn(input.request.recipientName)}* in our DM instead. Invite me with \`/invite @Scribe\` to use me here.`,
      }).catch((e: unknown) => deps.logger.warn({ err: e }, 'could not explain the DM through the response URL'));
    }
    channel = dmChannel;
    where = 'dm';
    ({ ts } = await client.chat.postMessage({ channel, ...progress, unfurl_links: false }));
  }
  if (!ts) throw new Error('chat.postMessage answered without a ts');
  const log = deps.logger.child({ channel, progressMessageId: ts });

  // Slack subscribes a person to a thread they are mentioned in: they hear about the result.
  let mentionTs: string | undefined;
  if (where === 'channel') {
    mentionTs = await client.chat
      .postMessage({ channel, thread_ts: ts, text: `<@${userId}> I'll post the email in this thread when it's ready.` })
      .then((r) => r.ts, (err: unknown) => {
        log.warn({ err }, 'could not mention the requester in the thread');
        return undefined;
      });
  }

  try {
    const generation = await createGeneration(deps, {
      user: input.user,
      request: input.request,
      address: { channelId: channel, threadId: ts, progressMessageId: ts },
    });
    log.child({ generationId: generation.id }).info({ where }, 'generation queued from Slack');
    return { kind: 'started', generation, where };
  } catch (err) {
    for (const posted of [mentionTs, ts]) {
      if (!posted) continue;
      await client.chat.delete({ channel, ts: posted }).catch((e: unknown) => log.warn({ err: e }, 'could not remove an unused message'));
    }
    if (err instanceof QuotaExceededError) return { kind: 'quota', message: err.message };
    throw err;
  }
}
