/**
 * The `/scribe` form (a modal): the three inputs whose custom ids are the contract, prefilled with
 * the last template. Discord's limits: labels 45, label descriptions 100, text inputs 4,000.
 */
import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData } from 'discord-api-types/v10';
import type { ModalSubmitInteraction } from 'discord.js';
import { splitText } from '../split.ts';
import {
  PERSONAL_LINE_CHOICES,
  PersonalLineChoiceSchema,
  type PersonalLineChoice,
} from '../../requests/personal-line.ts';
import { draftModalId, FORM_INPUT, formModalId, INPUTS, PERSONAL_LINE_INPUT, REVIEW_INPUT } from './ids.ts';
import { type SavedTemplateForm, savedTemplateDescription } from './template-fields.ts';
import { DISCORD_LIMITS } from './render.ts';
import type { FormAction } from '../../requests/actions.ts';

/** The `/scribe` form, prefilled with the last template (cut to Discord's 4,000, saying so). */
export function renderDraftModal(
  lastTemplate: string | undefined,
  options: { fresh?: boolean; review?: boolean; who?: string | undefined; saved?: SavedTemplateForm } = {},
): APIModalInteractionResponseCallbackData {
  const truncated = lastTemplate !== undefined && lastTemplate.length > DISCORD_LIMITS.textInputValue;
  const prefill = truncated ? splitText(lastTemplate, DISCORD_LIMITS.textInputValue)[0]!.text : lastTemplate;
  const description = truncated
    ? 'Your last template is over 4,000 characters: only its beginning is shown here.'
    : (savedTemplateDescription(options.saved) ??
      (prefill
        ? 'Prefilled with your last template.'
        : 'Your email, with placeholders such as {name} or [their paper] to fill in.'));
  return {
    // `/scribe fresh:true` opened it: the submission researches afresh too; `/scribe who:…` and
    // `save_as` ride in it too (one builder: ids.ts).
    custom_id: draftModalId({ fresh: options.fresh, who: options.who, saveAs: options.saved?.saveAs }),
    title: 'Write an outreach email',
    components: [
      templateField(prefill, description),
      {
        type: ComponentType.Label,
        label: "Recipient's name",
        ...whoDescription(options.who),
        component: {
          type: ComponentType.TextInput,
          custom_id: INPUTS.recipientName,
          style: TextInputStyle.Short,
          required: true,
          max_length: 200,
          placeholder: 'Dr. Ada Lovelace',
        },
      },
      {
        type: ComponentType.Label,
        label: 'Their research interest',
        component: {
          type: ComponentType.TextInput,
          custom_id: INPUTS.recipientInterest,
          style: TextInputStyle.Short,
          required: true,
          max_length: 500,
          placeholder: 'analytical engines',
        },
      },
      {
        type: ComponentType.Label,
        label: 'Let me review the research first',
        description: 'See what was found, edit it if you like, then have the email written.',
        component: { type: ComponentType.Checkbox, custom_id: REVIEW_INPUT, default: options.review === true },
      },
      personalLineField(),
    ],
  };
}

/**
 * The form has no room for a "Who exactly?" field (five components, all used): `/scribe who:…`
 * carries it, and the name's description shows it, so the person sees what goes with the name.
 */
function whoDescription(who: string | undefined): { description?: string } {
  if (!who) return {};
  const text = `Who exactly: ${who}`;
  return { description: text.length > 100 ? `${text.slice(0, 99)}…` : text };
}

/** What each form says: the Edit form (the email), the Edit research form (the summary). */
const FORM_WORDING: Record<FormAction, { title: string; label: string; description: string }> = {
  edit: {
    title: 'Edit the email',
    label: 'Email',
    description: 'Posted as a new version, checked like a written one (placeholders left, length).',
  },
  research: {
    title: 'Edit the research',
    label: 'Research summary',
    description: 'The email will be written from this. Keep the [n] citations of the sources.',
  },
};

/** A form action's modal, prefilled; `text` fits 4,000. */
export function renderEditModal(
  form: FormAction,
  generationId: string,
  messageId: string,
  text: string,
): APIModalInteractionResponseCallbackData {
  const wording = FORM_WORDING[form];
  return {
    custom_id: formModalId(form, generationId, messageId),
    title: wording.title,
    components: [
      {
        type: ComponentType.Label,
        label: wording.label,
        description: wording.description,
        component: {
          type: ComponentType.TextInput,
          custom_id: FORM_INPUT,
          style: TextInputStyle.Paragraph,
          required: true,
          max_length: DISCORD_LIMITS.textInputValue,
          value: text,
        },
      },
    ],
  };
}

/** The email template's field, the same in the single and the batch form. */
export function templateField(prefill: string | undefined, description?: string) {
  return {
    type: ComponentType.Label,
    label: 'Email template',
    ...(description ? { description } : {}),
    component: {
      type: ComponentType.TextInput,
      custom_id: INPUTS.template,
      style: TextInputStyle.Paragraph,
      required: true,
      min_length: 20,
      max_length: DISCORD_LIMITS.textInputValue,
      ...(prefill ? { value: prefill } : {}),
    },
  } as const;
}

/** Asked on every form, needed only when the template has no placeholder for the recipient. */
export function personalLineField() {
  return {
    type: ComponentType.Label,
    label: 'Personal line',
    description: 'Only for a template with no placeholder for the recipient: where one line about them goes.',
    component: {
      type: ComponentType.StringSelect,
      custom_id: PERSONAL_LINE_INPUT,
      required: false,
      min_values: 0,
      max_values: 1,
      placeholder: 'Choose a place',
      options: PERSONAL_LINE_CHOICES.map((c) => ({ label: c.label, value: c.value })),
    },
  } as const;
}

/** The form's personal-line choice; undefined when none was chosen (or the form had no such field). */
export function personalLineChoice(interaction: ModalSubmitInteraction): PersonalLineChoice | undefined {
  let values: readonly string[] = [];
  try {
    values = interaction.fields.getStringSelectValues(PERSONAL_LINE_INPUT);
  } catch {
    // An older form without the field.
  }
  const chosen = PersonalLineChoiceSchema.safeParse(values[0]);
  return chosen.success ? chosen.data : undefined;
}
