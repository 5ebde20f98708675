/**
 * Wires the Slack listeners to a Bolt `App`. Every listener runs inside `run`, which makes sure
 * Slack gets its ack even when a handler fails early, logs the outcome, apologises to the person
 * when something broke on our side, and keeps track of handlers in flight for a clean stop.
 */
import type { App, ViewSubmitAction } from '@slack/bolt';
import type { SlackBotDeps } from './deps.ts';
import { handleCommand, handleDraftSubmission, handleReaction, handleResultButton, type Respond } from './handlers.ts';
import { COMMAND, metadataOf, MODAL_CALLBACK_ID } from './modal.ts';
import { ACTIONS } from './render.ts';

/** One handled request: a command (by trigger id), a modal (view id), a button (trigger id) or an event (event id). */
export interface HandledEvent {
  kind: 'command' | 'view' | 'button' | 'reaction';
  id: string;
  /** E.g. `modal`, `help`, `invalid`, `quota`, `started:channel`, `duplicate`, `ignored:not-allowed`, `error`. */
  outcome: string;
  error?: unknown;
}

/** The registered listeners, for a clean stop. */
export interface RegisteredHandlers {
  /** Waits for the handlers still running (up to `timeoutMs`). */
  drain(timeoutMs?: number): Promise<void>;
}

const SORRY = 'Something went wrong on Scribe’s side. Please try again in a minute.';

/** A function that runs at most once; `called` tells whether it did. */
function once<A extends unknown[]>(fn: (...args: A) => Promise<void>): ((...args: A) => Promise<void>) & { called: boolean } {
  const wrapped = Object.assign(async (...args: A) => {
    if (wrapped.called) return;
    wrapped.called = true;
    await fn(...args);
  }, { called: false });
  return wrapped;
}

const idOf = (body: unknown, key: string): string => {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : '';
};

/** Registers `/scribe`, the modal's submission, the result buttons and `reaction_added`. */
export function registerSlackHandlers(app: App, deps: SlackBotDeps, onOutcome?: (event: HandledEvent) => void): RegisteredHandlers {
  const inFlight = new Set<Promise<void>>();

  const run = (kind: HandledEvent['kind'], id: string, ack: (() => Promise<void>) & { called: boolean }, handle: () => Promise<string>, apologise?: () => Promise<unknown>) => {
    const task = (async () => {
      let event: HandledEvent;
      try {
        event = { kind, id, outcome: await handle() };
        deps.logger.info(event, 'slack request handled');
      } catch (err) {
        deps.logger.error({ err, kind, id }, 'slack handler failed');
        event = { kind, id, outcome: 'error', error: err };
        const wasAcked = ack.called;
        await ack().catch(() => undefined);
        // Before the ack Slack shows its own error; after it, only we can say something.
        if (wasAcked && apologise) await apologise().catch((e: unknown) => deps.logger.warn({ err: e }, 'could not apologise'));
      }
      onOutcome?.(event);
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    return task;
  };
  const sorry = (respond: Respond) => () => respond({ response_type: 'ephemeral', replace_original: false, text: SORRY });

  app.command(COMMAND, async ({ body, ack, respond }) => {
    const acked = once(ack);
    await run('command', body.trigger_id, acked, () => handleCommand(deps, { body, ack: acked, respond }), sorry(respond));
  });

  app.view<ViewSubmitAction>({ callback_id: MODAL_CALLBACK_ID, type: 'view_submission' }, async ({ body, ack }) => {
    const acked = once(ack);
    const responseUrl = metadataOf(body.view.private_metadata)?.responseUrl;
    const apologise = responseUrl ? () => deps.respond(responseUrl, { text: SORRY }) : undefined;
    await run('view', body.view.id, acked, () => handleDraftSubmission(deps, { body, ack: acked }), apologise);
  });

  for (const actionId of Object.values(ACTIONS)) {
    app.action({ type: 'block_actions', action_id: actionId }, async ({ body, ack, respond }) => {
      const acked = once(ack);
      await run('button', body.trigger_id, acked, () => handleResultButton(deps, { body, ack: acked, respond }), sorry(respond));
    });
  }

  app.event('reaction_added', async ({ body }) => {
    // Bolt has acknowledged the event already; a failure here is logged, never said.
    await run('reaction', idOf(body, 'event_id'), once(async () => {}), () => handleReaction(deps, { body }));
  });

  return {
    async drain(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.allSettled([...inFlight]), deadline]);
      clearTimeout(timer);
    },
  };
}
