/**
 * Wires the Slack listeners to a Bolt `App`. Every listener runs inside the shared runner, which
 * logs the outcome and keeps track of handlers in flight; here Slack's part: its ack is always
 * sent, even when a handler fails early, and the person hears an apology when the failure came
 * after it (before the ack Slack shows its own error).
 */
import { handleWriteAnyway, WRITE_ANYWAY_ID } from './outreach.ts';
import type { App, ViewSubmitAction } from '@slack/bolt';
import { ackStarted, afterAcks } from '../shared/ack-first.ts';
import { createHandlerRunner, type HandledEvent, type OnOutcome, type Registration, SORRY } from '../shared/handled.ts';
import { handleAgentButton, handleAgentMessage, handleAgentThreadStarted } from './agent.ts';
import { handleBatchCancel, handleBatchSubmission } from './batch-handlers.ts';
import { BATCH_CANCEL_ID, BATCH_MODAL_ID } from './batch-render.ts';
import type { SlackBotDeps } from './deps.ts';
import {
  handleDraftSubmission,
  handleFeedback,
  handleFormSubmission,
  handleReaction,
  handleResultButton,
  handleScribeCommand,
  type Respond,
} from './handlers.ts';
import {
  AGENT_BUTTON_IDS,
  COMMAND,
  FEEDBACK_ACTION_ID,
  FORM_IDS,
  LINK_BUTTON_IDS,
  MODAL_ID,
  MODE_BUTTON_IDS,
  OPTION_BUTTON_PATTERN,
  RESULT_BUTTON_IDS,
  TEMPLATE_IDS,
} from './ids.ts';
import { metadataOf } from './modal.ts';
import { handleModeSwitch } from './mode-switch.ts';
import { handleProfileSubmission, PROFILE_MODAL_ID } from './profile.ts';
import {
  handleAppHomeOpened,
  handleTemplateEditButton,
  handleTemplateEditSubmission,
  handleTemplatePick,
} from './templates.ts';

/** A function that runs at most once; `called` tells whether it did. */
function once<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): ((...args: A) => Promise<void>) & { called: boolean } {
  const wrapped = Object.assign(
    async (...args: A) => {
      if (wrapped.called) return;
      wrapped.called = true;
      await fn(...args);
    },
    { called: false },
  );
  return wrapped;
}

const idOf = (body: unknown, key: string): string => {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : '';
};

/** After a failure: the ack if it was not sent yet, else an apology (when there is a way to make one). */
const afterFailure =
  (ack: (() => Promise<void>) & { called: boolean }, apologise?: () => Promise<unknown>) => async () => {
    const wasAcked = ack.called;
    await ack().catch(() => undefined);
    if (wasAcked && apologise) await apologise();
  };

/** Registers `/scribe`, the modal's submission, the result buttons and `reaction_added`. */
export function registerSlackHandlers(app: App, deps: SlackBotDeps, onOutcome?: OnOutcome): Registration {
  const runner = createHandlerRunner(deps.logger, 'slack request handled', onOutcome);
  const sorry = (respond: Respond) => () =>
    respond({ response_type: 'ephemeral', replace_original: false, text: SORRY });
  /** A modal's apology goes to the response URL of the command that opened it, when it has one. */
  const sorryAfterModal = (privateMetadata: string) => {
    const responseUrl = metadataOf(privateMetadata)?.responseUrl;
    return responseUrl ? () => deps.respond(responseUrl, { text: SORRY }) : undefined;
  };

  /**
   * One listener inside the runner: the handler gets an ack that runs at most once; after a
   * failure, the ack is sent if it was not, else the person hears `apologise` (if given).
   */
  function listen<R>(
    kind: HandledEvent['kind'],
    id: string,
    ack: (response?: R) => Promise<void>,
    handle: (ack: (response?: R) => Promise<void>) => Promise<string>,
    apologise?: () => Promise<unknown>,
  ): Promise<void> {
    // The work after the ack waits for the acks of the requests already received, and of those on
    // their way on either platform; this one is on its way until sent (ack-first.ts).
    const ended = ackStarted();
    const acked = once(async (response?: R) => {
      try {
        await ack(response);
      } finally {
        ended();
      }
      await afterAcks();
    });
    return runner.run(kind, id, () => handle(acked), afterFailure(acked, apologise)).finally(ended);
  }

  app.command(COMMAND, ({ body, ack, respond }) =>
    listen(
      'command',
      body.trigger_id,
      ack,
      (acked) => handleScribeCommand(deps, { body, ack: acked, respond }),
      sorry(respond),
    ),
  );

  // The forms opened from `/scribe`: their apology goes to the command's response URL.
  const forms = [
    [MODAL_ID, handleDraftSubmission],
    [BATCH_MODAL_ID, handleBatchSubmission],
    [PROFILE_MODAL_ID, handleProfileSubmission],
  ] as const;
  for (const [callbackId, handle] of forms) {
    app.view<ViewSubmitAction>({ callback_id: callbackId, type: 'view_submission' }, ({ body, ack }) =>
      listen(
        'modal',
        body.view.id,
        ack,
        (acked) => handle(deps, { body, ack: acked }),
        sorryAfterModal(body.view.private_metadata),
      ),
    );
  }

  app.action({ type: 'block_actions', action_id: BATCH_CANCEL_ID }, ({ body, ack, respond }) =>
    listen(
      'button',
      body.trigger_id,
      ack,
      (acked) => handleBatchCancel(deps, { body, ack: acked, respond }),
      sorry(respond),
    ),
  );

  // The `/scribe` form's mode switch: a button inside the modal, answered with views.update.
  for (const actionId of Object.values(MODE_BUTTON_IDS)) {
    app.action({ type: 'block_actions', action_id: actionId }, ({ body, ack }) =>
      listen('button', body.trigger_id, ack, (acked) => handleModeSwitch(deps, { body, ack: acked })),
    );
  }

  // Saved templates: the form's pick, the manager's Edit / New template (also on the Home tab), its form.
  app.action({ type: 'block_actions', action_id: TEMPLATE_IDS.pickAction }, ({ body, ack }) =>
    listen('button', body.trigger_id, ack, (acked) => handleTemplatePick(deps, { body, ack: acked })),
  );
  const editButtons = new RegExp(`^(${TEMPLATE_IDS.editPrefix}|${TEMPLATE_IDS.newButton}$)`);
  app.action({ type: 'block_actions', action_id: editButtons }, ({ body, ack }) =>
    listen('button', body.trigger_id, ack, (acked) => handleTemplateEditButton(deps, { body, ack: acked })),
  );
  app.view<ViewSubmitAction>({ callback_id: TEMPLATE_IDS.editModal, type: 'view_submission' }, ({ body, ack }) =>
    listen('modal', body.view.id, ack, (acked) => handleTemplateEditSubmission(deps, { body, ack: acked })),
  );
  app.event('app_home_opened', async ({ body }) => {
    await runner.run('event', idOf(body, 'event_id'), () => handleAppHomeOpened(deps, { body }));
  });

  // Edit and Edit research: the outcome is said in the thread, to the person only.
  for (const { callbackId } of Object.values(FORM_IDS)) {
    app.view<ViewSubmitAction>({ callback_id: callbackId, type: 'view_submission' }, ({ body, ack }) =>
      listen('modal', body.view.id, ack, (acked) => handleFormSubmission(deps, { body, ack: acked })),
    );
  }

  // Open in Gmail / Outlook: the browser opens the link; Slack still wants the click acked.
  for (const actionId of Object.values(LINK_BUTTON_IDS)) {
    app.action({ type: 'block_actions', action_id: actionId }, ({ body, ack }) =>
      listen('button', body.trigger_id, ack, async (acked) => {
        await acked();
        return 'link-opened';
      }),
    );
  }

  for (const actionId of [...Object.values(RESULT_BUTTON_IDS), OPTION_BUTTON_PATTERN]) {
    app.action({ type: 'block_actions', action_id: actionId }, ({ body, ack, respond }) =>
      listen(
        'button',
        body.trigger_id,
        ack,
        (acked) => handleResultButton(deps, { body, ack: acked, respond }),
        sorry(respond),
      ),
    );
  }

  // 👍 / 👎: one `feedback_buttons` element, the pressed button's value says which.
  app.action({ type: 'block_actions', action_id: FEEDBACK_ACTION_ID }, ({ body, ack, respond }) =>
    listen(
      'button',
      body.trigger_id,
      ack,
      (acked) => handleFeedback(deps, { body, ack: acked, respond }),
      sorry(respond),
    ),
  );
  // *Write anyway*, on the private warning about a recipient already emailed.
  app.action({ type: 'block_actions', action_id: WRITE_ANYWAY_ID }, ({ body, ack, respond }) =>
    listen('button', body.trigger_id, ack, (acked) => handleWriteAnyway(deps, { body, ack: acked }), sorry(respond)),
  );

  // The agent view: a new thread's suggested prompts, the person's DM messages, the answers' buttons.
  app.event('assistant_thread_started', async ({ body }) => {
    await runner.run('event', idOf(body, 'event_id'), () => handleAgentThreadStarted(deps, { body }));
  });
  // Scribe needs no channel context: the event is received (and acked) and nothing else.
  app.event('assistant_thread_context_changed', async () => undefined);
  app.event('message', async ({ body }) => {
    await runner.run('event', idOf(body, 'event_id'), () => handleAgentMessage(deps, { body }));
  });
  for (const actionId of Object.values(AGENT_BUTTON_IDS)) {
    app.action({ type: 'block_actions', action_id: actionId }, ({ body, ack }) =>
      listen('button', body.trigger_id, ack, (acked) => handleAgentButton(deps, { body, ack: acked })),
    );
  }

  app.event('reaction_added', async ({ body }) => {
    // Bolt has acknowledged the event already; a failure here is logged, never said.
    await runner.run('reaction', idOf(body, 'event_id'), () => handleReaction(deps, { body }));
  });

  return runner;
}
