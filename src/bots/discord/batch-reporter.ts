/** The batch's parent message on Discord, edited over REST by the worker (no gateway). */
import { Routes, type RESTGetAPIChannelMessageResult } from 'discord-api-types/v10';
import type { BatchReporter } from '../../thread/batch-reporter.ts';
import type { BatchView } from '../../thread/batch-view.ts';
import type { Logger } from '../../log.ts';
import { DiscordAPIError, DiscordCode, type REST, toScribeError } from './client.ts';
import { renderBatch } from './batch-render.ts';
import { progressHeaderOf, upgradeFields } from './render.ts';

/**
 * Edits a batch's parent message to `view`, keeping the line that says who asked: a Components V2
 * edit replaces every component and only the message knows that line, so it is read first (as the
 * progress message's, see `editProgress`). A table posted before the switch to V2 is upgraded (its
 * content and embeds emptied). False when the message is gone.
 */
export async function editBatch(rest: REST, channelId: string, messageId: string, view: BatchView): Promise<boolean> {
  try {
    // Discord's message object, typed by discord-api-types.
    const current = (await rest.get(Routes.channelMessage(channelId, messageId))) as RESTGetAPIChannelMessageResult;
    await rest.patch(Routes.channelMessage(channelId, messageId), {
      body: { ...renderBatch(view, progressHeaderOf(current)), ...upgradeFields(current) },
    });
    return true;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.code === DiscordCode.UnknownMessage) return false;
    throw toScribeError(err, 'updating the batch table');
  }
}

export function createDiscordBatchReporter({ rest, logger }: { rest: REST; logger: Logger }): BatchReporter {
  return {
    async batchProgress(address, view) {
      if (!address.channelId || !address.parentMessageId) return;
      if (!(await editBatch(rest, address.channelId, address.parentMessageId, view)))
        logger.warn({ batchId: address.id }, 'batch message is gone; not updating it');
    },
  };
}
