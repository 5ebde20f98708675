/**
 * The `/scribe` form's mode switch: "Several recipients →" replaces the single form in place with
 * the batch form, "← One recipient" goes back. A button in a modal arrives as a `block_actions`
 * payload from the view (`container.type: 'view'`) carrying the view's id, hash and what was typed
 * so far; the answer is `views.update` with that hash, so a view that changed meanwhile (a double
 * press) is left as it is rather than overwritten with a stale one. The template typed so far goes
 * along; the form's metadata (channel, response URL) is carried over unchanged.
 */
import { z } from 'zod';
import { DEFAULTS } from '../../config.ts';
import { renderBatchModal } from './batch-render.ts';
import { slackErrorCode } from './client.ts';
import type { SlackBotDeps } from './deps.ts';
import type { Ack } from './handlers.ts';
import { INPUT_ACTION_ID, INPUTS, MODE_BUTTON_IDS } from './ids.ts';
import { metadataOf, noticeModal, renderDraftModal } from './modal.ts';
import { normaliseTemplateValues } from './template-blocks.ts';

const ModeSwitchSchema = z.looseObject({
  container: z.looseObject({ type: z.literal('view') }),
  view: z.looseObject({
    id: z.string().min(1),
    hash: z.string().min(1),
    private_metadata: z.string(),
    state: z.looseObject({
      // After a saved template was picked, its field is `template.<id>`: read under `template`.
      values: z.preprocess(
        (v) => (typeof v === 'object' && v !== null ? normaliseTemplateValues(v as Record<string, unknown>).values : v),
        z.looseObject({
          [INPUTS.template]: z
            .looseObject({ [INPUT_ACTION_ID]: z.looseObject({ value: z.string().nullish() }).optional() })
            .optional(),
        }),
      ),
    }),
  }),
  actions: z.array(z.looseObject({ action_id: z.enum([MODE_BUTTON_IDS.batch, MODE_BUTTON_IDS.single]) })).min(1),
});

/** A mode button was pressed in an open `/scribe` form: the other form, with the template typed so far. */
export async function handleModeSwitch(deps: SlackBotDeps, args: { body: unknown; ack: Ack }): Promise<string> {
  await args.ack();
  const body = ModeSwitchSchema.parse(args.body);
  const to = body.actions[0]!.action_id === MODE_BUTTON_IDS.batch ? 'batch' : 'single';
  const metadata = metadataOf(body.view.private_metadata);
  // What is in the field now, even if empty: the person may have cleared it on purpose.
  const template = body.view.state.values[INPUTS.template]?.[INPUT_ACTION_ID]?.value ?? '';
  const view = !metadata
    ? noticeModal('Form out of date', 'This form is out of date. Close it and run `/scribe` again.')
    : to === 'batch'
      ? renderBatchModal(metadata, template, deps.batchMax ?? DEFAULTS.batchMax)
      : renderDraftModal(metadata, template);
  try {
    await deps.client.views.update({ view_id: body.view.id, hash: body.view.hash, view });
  } catch (err) {
    // The view changed since this payload was sent (pressed twice): the newer view stands.
    if (slackErrorCode(err) === 'hash_conflict') return 'mode:stale';
    throw err;
  }
  return metadata ? `mode:${to}` : 'stale';
}
