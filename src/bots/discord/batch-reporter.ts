/** The batch's parent message on Discord, edited over REST by the worker (no gateway). */
import { DiscordAPIError, Routes, type REST } from 'discord.js';
import type { BatchReporter } from '../../thread/batch-reporter.ts';
import type { Logger } from '../../log.ts';
import { DiscordCode, toScribeError } from './client.ts';
import { renderBatch } from './batch-render.ts';

export function createDiscordBatchReporter({ rest, logger }: { rest: REST; logger: Logger }): BatchReporter {
  return {
    async batchProgress(address, view) {
      if (!address.channelId || !address.parentMessageId) return;
      // The content (who asked) is left as posted: only the table and the buttons change.
      const { content: _content, ...body } = renderBatch(view, undefined);
      try {
        await rest.patch(Routes.channelMessage(address.channelId, address.parentMessageId), { body });
      } catch (err) {
        if (err instanceof DiscordAPIError && err.code === DiscordCode.UnknownMessage) {
          logger.warn({ batchId: address.id }, 'batch message is gone; not updating it');
          return;
        }
        throw toScribeError(err, 'updating the batch table');
      }
    },
  };
}
