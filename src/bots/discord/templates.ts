/**
 * Saved templates on Discord (issue 23, item 4): the `template` option's autocomplete (the person's
 * saved templates by name), and the template manager (`/scribe action:templates`: a private list
 * with a select that opens a template's form — rename, change, delete — and New template; a body
 * longer than Discord's 4,000-character field goes in two boxes). The rules are
 * src/requests/templates.ts; this file parses, calls and words.
 */
import {
  type APIModalInteractionResponseCallbackData,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  ComponentType,
  type InteractionReplyOptions,
  MessageFlags,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
  TextInputStyle,
  ButtonStyle,
} from 'discord.js';
import {
  joinTemplateParts,
  listTemplates,
  type NamedTemplate,
  type NamedTemplateEntry,
  readTemplate,
  removeTemplate,
  saveTemplateAs,
  savedTemplateRef,
  splitTemplateForInputs,
  suggestTemplates,
  TEMPLATE_NAME_MAX,
} from '../../requests/templates.ts';
import {
  longTemplateHint,
  TEMPLATE_GONE,
  templateDeletedText,
  templateLines,
  templateSavedText,
  templatesHeading,
} from '../shared/templates.ts';
import type { DiscordBotDeps } from './deps.ts';
import { identityOf } from './identity.ts';
import { INPUTS, TEMPLATE_IDS } from './ids.ts';
import { DISCORD_LIMITS } from './render.ts';

const EPHEMERAL = MessageFlags.Ephemeral;
const QUIET = { parse: [] as [] };
const FIELD_MAX = DISCORD_LIMITS.textInputValue;
/** Discord offers at most 25 autocomplete choices, and 25 options in a select. */
const CHOICES_MAX = 25;
const count = (n: number) => n.toLocaleString('en-US');

/** The `template` option's suggestions: the person's saved templates whose name contains what is typed. */
export async function handleTemplateAutocomplete(
  deps: DiscordBotDeps,
  interaction: AutocompleteInteraction,
): Promise<string> {
  const focused = interaction.options.getFocused(true);
  if (focused.name !== INPUTS.template) {
    await interaction.respond([]);
    return 'autocomplete:other';
  }
  const found = await suggestTemplates(deps.pool, identityOf(interaction), String(focused.value), CHOICES_MAX);
  await interaction.respond(
    found.map((t) => ({ name: `${t.name} (${count(t.length)} characters)`, value: savedTemplateRef(t.id) })),
  );
  return `autocomplete:${found.length}`;
}

/** The manager's message: the list, a select to open one, and New template. */
export function renderManager(templates: readonly NamedTemplateEntry[], note?: string): InteractionReplyOptions {
  const content = [...(note ? [`✅ ${note}`] : []), templatesHeading(templates.length), ...templateLines(templates)]
    .join('\n')
    .slice(0, DISCORD_LIMITS.content);
  return {
    content,
    flags: EPHEMERAL,
    allowedMentions: QUIET,
    components: [
      ...(templates.length > 0
        ? [
            {
              type: ComponentType.ActionRow as const,
              components: [
                {
                  type: ComponentType.StringSelect as const,
                  custom_id: TEMPLATE_IDS.pick,
                  placeholder: 'Edit, rename or delete a template',
                  options: templates.slice(0, CHOICES_MAX).map((t) => ({
                    label: t.name,
                    description: `${count(t.length)} characters`,
                    value: t.id,
                  })),
                },
              ],
            },
          ]
        : []),
      {
        type: ComponentType.ActionRow as const,
        components: [
          {
            type: ComponentType.Button as const,
            custom_id: TEMPLATE_IDS.newButton,
            label: 'New template',
            style: ButtonStyle.Primary,
          },
        ],
      },
    ],
  };
}

/** `/scribe action:templates`: the manager, privately. */
export async function showTemplatesManager(
  deps: DiscordBotDeps,
  interaction: ChatInputCommandInteraction,
): Promise<string> {
  await interaction.deferReply({ flags: EPHEMERAL });
  const templates = await listTemplates(deps.pool, identityOf(interaction));
  const { flags: _flags, ...reply } = renderManager(templates);
  await interaction.editReply(reply);
  return 'templates:list';
}

const textField = (
  id: string,
  label: string,
  options: { value?: string | undefined; paragraph?: boolean; required: boolean; max: number; description?: string },
) =>
  ({
    type: ComponentType.Label,
    label,
    ...(options.description ? { description: options.description } : {}),
    component: {
      type: ComponentType.TextInput,
      custom_id: id,
      style: options.paragraph ? TextInputStyle.Paragraph : TextInputStyle.Short,
      required: options.required,
      max_length: options.max,
      ...(options.value ? { value: options.value } : {}),
    },
  }) as const;

/** A template's form (or a new one's): name, the body in up to two boxes, and Delete for a saved one. */
export function renderTemplateModal(template?: NamedTemplate): APIModalInteractionResponseCallbackData {
  const parts = template ? (splitTemplateForInputs(template.body, FIELD_MAX, 2) ?? [template.body]) : [];
  return {
    custom_id: template ? `${TEMPLATE_IDS.editPrefix}${template.id}` : TEMPLATE_IDS.newModal,
    title: template ? 'Edit template' : 'New template',
    components: [
      textField(TEMPLATE_IDS.name, 'Name', { value: template?.name, required: true, max: TEMPLATE_NAME_MAX }),
      textField(TEMPLATE_IDS.body, 'Template', { value: parts[0], paragraph: true, required: true, max: FIELD_MAX }),
      textField(TEMPLATE_IDS.more, 'Template (continued)', {
        value: parts[1],
        paragraph: true,
        required: false,
        max: FIELD_MAX,
        description: longTemplateHint(FIELD_MAX),
      }),
      ...(template
        ? [
            {
              type: ComponentType.Label,
              label: 'Delete this template',
              component: { type: ComponentType.Checkbox, custom_id: TEMPLATE_IDS.remove, default: false },
            } as const,
          ]
        : []),
    ],
  };
}

/** The manager's select: the chosen template's form. */
export async function handleTemplatePick(
  deps: DiscordBotDeps,
  interaction: StringSelectMenuInteraction,
): Promise<string> {
  const template = await readTemplate(deps.pool, identityOf(interaction), interaction.values[0] ?? '');
  if (!template) {
    await interaction.reply({ content: TEMPLATE_GONE, flags: EPHEMERAL });
    return 'templates:gone';
  }
  await interaction.showModal(renderTemplateModal(template));
  return 'templates:edit';
}

/** New template: its empty form. */
export async function handleTemplateNew(_deps: DiscordBotDeps, interaction: ButtonInteraction): Promise<string> {
  await interaction.showModal(renderTemplateModal());
  return 'templates:new';
}

/** Whether a modal is the manager's form. */
export const isTemplateModal = (customId: string): boolean =>
  customId === TEMPLATE_IDS.newModal || customId.startsWith(TEMPLATE_IDS.editPrefix);

function checkbox(interaction: ModalSubmitInteraction, id: string): boolean {
  try {
    return interaction.fields.getCheckbox(id);
  } catch {
    return false;
  }
}

function text(interaction: ModalSubmitInteraction, id: string): string {
  try {
    return interaction.fields.getTextInputValue(id);
  } catch {
    return '';
  }
}

/** The manager's form was sent: delete or save, then the list again (privately) with what was done. */
export async function handleTemplateSubmission(
  deps: DiscordBotDeps,
  interaction: ModalSubmitInteraction,
): Promise<string> {
  const identity = identityOf(interaction);
  const editing = interaction.customId.startsWith(TEMPLATE_IDS.editPrefix)
    ? interaction.customId.slice(TEMPLATE_IDS.editPrefix.length)
    : undefined;
  let note: string;
  let outcome: string;
  if (editing && checkbox(interaction, TEMPLATE_IDS.remove)) {
    const name = await removeTemplate(deps.pool, identity, editing);
    note = name ? templateDeletedText(name) : TEMPLATE_GONE;
    outcome = name ? 'templates:deleted' : 'templates:gone';
    if (name) deps.logger.info({ event: 'template.deleted' }, 'template deleted');
  } else {
    const saved = await saveTemplateAs(deps.pool, identity, {
      name: text(interaction, TEMPLATE_IDS.name),
      body: joinTemplateParts([text(interaction, TEMPLATE_IDS.body), text(interaction, TEMPLATE_IDS.more)]),
      replacing: editing,
    });
    if (!saved.ok) {
      await interaction.reply({
        content: `Not saved: ${Object.values(saved.errors).join(' ')}`,
        flags: EPHEMERAL,
        allowedMentions: QUIET,
      });
      return 'templates:invalid';
    }
    deps.logger.info({ event: 'template.saved', via: 'manager', length: saved.template.length }, 'template saved');
    note = templateSavedText(saved.template.name, saved.replacedName);
    outcome = 'templates:saved';
  }
  await interaction.reply(renderManager(await listTemplates(deps.pool, identity), note));
  return outcome;
}
