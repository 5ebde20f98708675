/**
 * The `/scribe` form's saved-template blocks (issue 23, item 4), kept apart from the form's other
 * fields: the select of saved templates, the template field as a pick fills it, and "Save as".
 * Pure functions.
 */
import type { types } from '@slack/bolt';
import type { NamedTemplateEntry } from '../../requests/templates.ts';
import { TEMPLATE_NAME_MAX } from '../../requests/templates.ts';
import { INPUT_ACTION_ID, INPUTS, pickedTemplateBlock, TEMPLATE_IDS } from './ids.ts';

/** Slack's limit on a plain-text input's value (and `initial_value`). */
const SLACK_INPUT_LIMIT = 3_000;

/** The person's saved templates, and the one picked in this form (its body, when it was read). */
export interface SavedTemplatesChoice {
  templates: readonly NamedTemplateEntry[];
  picked?: { id: string; name: string; body: string } | undefined;
}

const count = (n: number) => n.toLocaleString('en-US');

const option = (t: NamedTemplateEntry) => ({
  text: { type: 'plain_text' as const, text: t.name },
  description: { type: 'plain_text' as const, text: `${count(t.length)} characters` },
  value: t.id,
});

/** The select of saved templates (an actions block: a choice arrives at once); undefined when there are none. */
export function templatePickBlock(choice: SavedTemplatesChoice | undefined): types.ActionsBlock | undefined {
  if (!choice || choice.templates.length === 0) return undefined;
  const picked = choice.templates.find((t) => t.id === choice.picked?.id);
  return {
    type: 'actions',
    block_id: TEMPLATE_IDS.pickBlock,
    elements: [
      {
        type: 'static_select',
        action_id: TEMPLATE_IDS.pickAction,
        placeholder: { type: 'plain_text', text: 'Use a saved template' },
        options: choice.templates.map(option),
        ...(picked ? { initial_option: option(picked) } : {}),
      },
    ],
  };
}

/**
 * The template field as a pick fills it: a new block id (`template.<id>`, so Slack shows the body,
 * not what was typed before), the body when it fits, else empty and optional: an empty field then
 * means the saved template, read when the form is sent.
 */
export function pickedTemplateInput(picked: { id: string; name: string; body: string }): types.InputBlock {
  const fits = picked.body.length <= SLACK_INPUT_LIMIT;
  return {
    type: 'input',
    block_id: pickedTemplateBlock(picked.id),
    ...(fits ? {} : { optional: true }),
    label: { type: 'plain_text', text: 'Email template' },
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_ID,
      multiline: true,
      max_length: SLACK_INPUT_LIMIT,
      ...(fits ? { initial_value: picked.body } : {}),
      ...(fits ? {} : { placeholder: { type: 'plain_text', text: 'Leave empty to use the saved template' } }),
    },
    hint: {
      type: 'plain_text',
      text: fits
        ? `Your saved template “${picked.name}”; edit it here for this email only.`
        : `Your saved template “${picked.name}” is ${count(picked.body.length)} characters, more than a Slack field holds: leave this empty to use it as saved (edit it with /scribe templates), or type another template.`,
    },
  };
}

/** The optional "Save as" field: a name saves the template as sent under it. */
export function saveAsBlock(): types.InputBlock {
  return {
    type: 'input',
    block_id: TEMPLATE_IDS.saveAs,
    optional: true,
    label: { type: 'plain_text', text: 'Save this template as' },
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_ID,
      max_length: TEMPLATE_NAME_MAX,
      placeholder: { type: 'plain_text', text: 'A name, e.g. Lab application' },
    },
    hint: {
      type: 'plain_text',
      text: 'Optional. Longer than 3,000 characters? Save it with /scribe templates (up to 6,000 there).',
    },
  };
}

/** The form's state with the template under its contract id `template`, and the picked template's id. */
export function normaliseTemplateValues(values: Record<string, unknown>): {
  values: Record<string, unknown>;
  pickedId: string | undefined;
} {
  const prefix = `${INPUTS.template}.`;
  const key = Object.keys(values).find((k) => k.startsWith(prefix));
  if (key === undefined) return { values, pickedId: undefined };
  const { [key]: field, ...rest } = values;
  return { values: { ...rest, [INPUTS.template]: field }, pickedId: key.slice(prefix.length) };
}
