/**
 * The `/scribe` modal: three input blocks whose block ids are the contract (`template`,
 * `recipient_name`, `recipient_interest`), the channel (and the command's response URL) carried in
 * `private_metadata`, and parsing of what a submission holds. Pure functions.
 */
import { z } from 'zod';
import type { types } from '@slack/bolt';
import type { GenerationRequest } from '../../requests/commit/start.ts';
import { splitText } from '../split.ts';
import {
  FORM_IDS,
  INPUT_ACTION_ID,
  INPUTS,
  MODAL_ID,
  MODE_BLOCK,
  MODE_BUTTON_IDS,
  pickedTemplateBlock,
  PERSONAL_LINE_INPUT,
  REVIEW_INPUT,
  REVIEW_OPTION,
  TEMPLATE_IDS,
  WHO_INPUT,
} from './ids.ts';
import type { RequestField } from '../../errors.ts';
import { PERSONAL_LINE_CHOICES, PersonalLineChoiceSchema } from '../../requests/personal-line.ts';
import { FORM_ACTIONS, type FormAction } from '../../requests/actions.ts';
import {
  normaliseTemplateValues,
  pickedTemplateInput,
  type SavedTemplatesChoice,
  saveAsBlock,
  templatePickBlock,
} from './template-blocks.ts';

/** Slack's limit on a plain-text input's value (and `initial_value`). */
export const SLACK_INPUT_LIMIT = 3_000;
const NAME_MAX = 200;
const INTEREST_MAX = 500;

/**
 * Where the modal was opened: the channel, and the command's response URL (valid 30 minutes);
 * `agentThread`, the agent view's thread (its ts, in `channel`) when opened from there: the email
 * then titles that thread.
 */
export const ModalMetadataSchema = z.object({
  channel: z.string().min(1),
  responseUrl: z.url().optional(),
  agentThread: z.string().min(1).optional(),
});
/** What `private_metadata` carries. */
export type ModalMetadata = z.infer<typeof ModalMetadataSchema>;

/** A plain-text input block whose element is `INPUT_ACTION_ID`. */
export const input = (
  blockId: string,
  label: string,
  options: {
    multiline?: boolean;
    max: number;
    initial?: string;
    placeholder?: string;
    hint?: string;
    optional?: boolean;
  },
): types.InputBlock => ({
  type: 'input',
  block_id: blockId,
  ...(options.optional ? { optional: true } : {}),
  label: { type: 'plain_text', text: label },
  element: {
    type: 'plain_text_input',
    action_id: INPUT_ACTION_ID,
    multiline: options.multiline ?? false,
    max_length: options.max,
    ...(options.initial ? { initial_value: options.initial } : {}),
    ...(options.placeholder ? { placeholder: { type: 'plain_text', text: options.placeholder } } : {}),
  },
  ...(options.hint ? { hint: { type: 'plain_text', text: options.hint } } : {}),
});

const REVIEW_CHOICE = {
  text: { type: 'plain_text' as const, text: 'Let me review the research first' },
  description: {
    type: 'plain_text' as const,
    text: 'See what was found, edit it if you like, then have the email written.',
  },
  value: REVIEW_OPTION,
};

/** The actions block with the button to the other form (the template typed so far goes along). */
export function modeSwitchBlock(to: keyof typeof MODE_BUTTON_IDS): types.ActionsBlock {
  return {
    type: 'actions',
    block_id: MODE_BLOCK,
    elements: [
      {
        type: 'button',
        action_id: MODE_BUTTON_IDS[to],
        text: { type: 'plain_text', text: to === 'batch' ? 'Several recipients →' : '← One recipient' },
      },
    ],
  };
}

/**
 * The modal, prefilled with `lastTemplate` (its beginning, when longer than Slack allows) and the
 * review checkbox as the person last left it.
 */
export function renderDraftModal(
  metadata: ModalMetadata,
  lastTemplate?: string,
  review = false,
  saved?: SavedTemplatesChoice,
): types.ModalView {
  let initial = lastTemplate;
  let note: types.ContextBlock | undefined;
  if (initial !== undefined && initial.length > SLACK_INPUT_LIMIT) {
    initial = splitText(initial, SLACK_INPUT_LIMIT)[0]?.text;
    note = {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text:
            `Your last template is ${lastTemplate!.length.toLocaleString('en-US')} characters; a Slack form holds ` +
            `${SLACK_INPUT_LIMIT.toLocaleString('en-US')}, so only its beginning is filled in.`,
        },
      ],
    };
  }
  return {
    type: 'modal',
    callback_id: MODAL_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Scribe' },
    submit: { type: 'plain_text', text: 'Draft the email' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      ...optional(templatePickBlock(saved)),
      saved?.picked
        ? pickedTemplateInput(saved.picked)
        : input(INPUTS.template, 'Email template', {
            multiline: true,
            max: SLACK_INPUT_LIMIT,
            ...(initial ? { initial } : {}),
            placeholder: 'Dear {name},\n\nI read your work on {topic}…',
            hint: 'Your email with placeholders; Scribe fills them in from the recipient’s research. Over 3,000 characters: save it with /scribe templates and pick it above.',
          }),
      ...(note && !saved?.picked ? [note] : []),
      input(INPUTS.recipientName, 'Recipient’s name', { max: NAME_MAX, placeholder: 'Dr. Ada Lovelace' }),
      input(INPUTS.recipientInterest, 'Their research interest', {
        multiline: true,
        max: INTEREST_MAX,
        placeholder: 'analytical engines',
      }),
      whoBlock(),
      {
        type: 'input',
        block_id: REVIEW_INPUT,
        optional: true,
        label: { type: 'plain_text', text: 'Research' },
        element: {
          type: 'checkboxes',
          action_id: INPUT_ACTION_ID,
          options: [REVIEW_CHOICE],
          ...(review ? { initial_options: [REVIEW_CHOICE] } : {}),
        },
      },
      personalLineBlock(),
      saveAsBlock(),
      modeSwitchBlock('batch'),
    ],
  };
}

/** Slack's limit on a plain-text input's placeholder. */
const WHO_MAX = 300;

/** "Who exactly?": optional, one line, read by the request layer (`parseWho`) into the identity hint. */
export function whoBlock(): types.InputBlock {
  return input(WHO_INPUT, 'Who exactly?', {
    optional: true,
    max: WHO_MAX,
    placeholder: 'MIT CSAIL · 0000-0002-1825-0097',
    hint: 'If several people share the name: their affiliation, ORCID iD, OpenAlex or arXiv author id, or profile link.',
  });
}

const optional = <T>(block: T | undefined): T[] => (block === undefined ? [] : [block]);

/** Asked on every form, needed only when the template has no placeholder for the recipient. */
export function personalLineBlock(): types.InputBlock {
  return {
    type: 'input',
    block_id: PERSONAL_LINE_INPUT,
    optional: true,
    label: { type: 'plain_text', text: 'Personal line' },
    hint: {
      type: 'plain_text',
      text: 'Only for a template with no placeholder for the recipient: where one line about them goes.',
    },
    element: {
      type: 'static_select',
      action_id: INPUT_ACTION_ID,
      placeholder: { type: 'plain_text', text: 'Choose a place' },
      options: PERSONAL_LINE_CHOICES.map((c) => ({ text: { type: 'plain_text', text: c.label }, value: c.value })),
    },
  };
}

export const personalLineChoice = z
  .looseObject({
    [INPUT_ACTION_ID]: z.looseObject({ selected_option: z.looseObject({ value: z.string() }).nullish() }).optional(),
  })
  .optional()
  .transform((v) => {
    const chosen = PersonalLineChoiceSchema.safeParse(v?.[INPUT_ACTION_ID]?.selected_option?.value);
    return chosen.success ? chosen.data : undefined;
  });

/** Where an Edit / Edit research form was opened from: the generation, its thread, for whom. */
export const FormMetadataSchema = z.object({
  generationId: z.uuid(),
  channel: z.string().min(1),
  /** The result message (Edit) or the thread (Edit research) the button was on. */
  messageId: z.string().min(1),
  thread: z.string().nullable(),
});
export type FormMetadata = z.infer<typeof FormMetadataSchema>;

/** What each form says: the Edit form (the email), the Edit research form (the summary). */
const FORM_WORDING: Record<FormAction, { title: string; submit: string; label: string; hint: string }> = {
  edit: {
    title: 'Edit the email',
    submit: 'Post as a new version',
    label: 'Email',
    hint: 'Saved as a new version in the thread, checked like a written one (placeholders left, length).',
  },
  research: {
    title: 'Edit the research',
    submit: 'Save the research',
    label: 'Research summary',
    hint: 'The email will be written from this summary. Keep the [n] citations that refer to the sources.',
  },
};

/** A form action's modal, prefilled; `text` fits 3,000. */
export function renderEditModal(form: FormAction, metadata: FormMetadata, text: string): types.ModalView {
  const wording = FORM_WORDING[form];
  return {
    type: 'modal',
    callback_id: FORM_IDS[form].callbackId,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: wording.title },
    submit: { type: 'plain_text', text: wording.submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input(FORM_IDS[form].input, wording.label, {
        multiline: true,
        max: SLACK_INPUT_LIMIT,
        initial: text,
        hint: wording.hint,
      }),
    ],
  };
}

/** The fields of an Edit / Edit research submission the handler relies on. */
export const FormSubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  view: z.looseObject({
    callback_id: z.string(),
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject(Object.fromEntries(FORM_ACTIONS.map((action) => [FORM_IDS[action].input, inputValueOf()]))),
    }),
  }),
});

/** The form's metadata as it was opened with it; undefined when it is not ours. */
export function formMetadataOf(privateMetadata: string): FormMetadata | undefined {
  try {
    const parsed = FormMetadataSchema.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A modal saying why nothing was started (replaces the form: `response_action: update`). */
export function noticeModal(title: string, text: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: `${MODAL_ID}_notice`,
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/** A plain-text input's value in `state.values` ('' when empty or absent). */
export function inputValueOf() {
  return z
    .looseObject({ [INPUT_ACTION_ID]: z.looseObject({ value: z.string().nullish() }).optional() })
    .optional()
    .transform((v) => v?.[INPUT_ACTION_ID]?.value ?? '');
}
const inputValue = inputValueOf();

/** A checkboxes element's state: whether the review option is ticked (absent: an older form, no). */
const reviewChoice = z
  .looseObject({
    [INPUT_ACTION_ID]: z
      .looseObject({ selected_options: z.array(z.looseObject({ value: z.string() })).nullish() })
      .optional(),
  })
  .optional()
  .transform((v) =>
    v === undefined ? undefined : (v[INPUT_ACTION_ID]?.selected_options ?? []).some((o) => o.value === REVIEW_OPTION),
  );

/** Where SubmissionSchema puts the id of the saved template picked in the form (not a block id: it has a space). */
export const PICKED_KEY = 'picked template';

/** The fields of a `view_submission` the handler relies on. */
export const SubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  view: z.looseObject({
    private_metadata: z.string(),
    state: z.looseObject({
      // A picked template's field is `template.<id>`: read under `template`, the id kept aside.
      values: z.preprocess(
        (v) => {
          if (typeof v !== 'object' || v === null) return v;
          const { values, pickedId } = normaliseTemplateValues(v as Record<string, unknown>);
          return { ...values, [PICKED_KEY]: pickedId };
        },
        z.looseObject({
          [PICKED_KEY]: z.string().optional(),
          [TEMPLATE_IDS.saveAs]: inputValue,
          [INPUTS.template]: inputValue,
          [INPUTS.recipientName]: inputValue,
          [INPUTS.recipientInterest]: inputValue,
          [REVIEW_INPUT]: reviewChoice,
          [PERSONAL_LINE_INPUT]: personalLineChoice,
          [WHO_INPUT]: inputValue,
        }),
      ),
    }),
  }),
});

/** The request as typed into the modal, unvalidated (createGeneration validates). */
export function requestOf(submission: z.infer<typeof SubmissionSchema>): Record<keyof GenerationRequest, string> {
  const values = submission.view.state.values;
  return {
    template: values[INPUTS.template],
    recipientName: values[INPUTS.recipientName],
    recipientInterest: values[INPUTS.recipientInterest],
  };
}

/** `private_metadata` as the modal was opened with it; undefined when it is not ours. */
export function metadataOf(privateMetadata: string): ModalMetadata | undefined {
  try {
    const parsed = ModalMetadataSchema.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The block of each request field. */
const FIELD_BLOCKS: Record<RequestField, string> = { ...INPUTS, identityHint: WHO_INPUT };

/**
 * Field errors keyed by block id, as `response_action: errors` wants them; `pickedId` when a saved
 * template was picked in the form (its field's block id is then `template.<id>`).
 */
export function fieldErrors(fields: Partial<Record<RequestField, string>>, pickedId?: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const block =
      field === 'template' && pickedId !== undefined
        ? pickedTemplateBlock(pickedId)
        : FIELD_BLOCKS[field as RequestField];
    errors[block] = message;
  }
  return errors;
}
