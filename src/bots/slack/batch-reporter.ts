/** The batch's parent message on Slack, edited with `chat.update` by the worker (Web API only). */
import type { BatchReporter } from '../../thread/batch-reporter.ts';
import type { Logger } from '../../log.ts';
import { MESSAGE_GONE, slackErrorCode, toScribeError, type WebClient } from './client.ts';
import { renderBatch } from './batch-render.ts';

export function createSlackBatchReporter({ client, logger }: { client: WebClient; logger: Logger }): BatchReporter {
  return {
    async batchProgress(address, view) {
      if (!address.channelId || !address.parentMessageId) return;
      try {
        await client.chat.update({ channel: address.channelId, ts: address.parentMessageId, ...renderBatch(view) });
      } catch (err) {
        if (MESSAGE_GONE.has(slackErrorCode(err) ?? '')) {
          logger.warn({ batchId: address.id }, 'batch message is gone; not updating it');
          return;
        }
        throw toScribeError(err, 'updating the batch table');
      }
    },
  };
}
