/**
 * The `/scribe` application command and its registration (`scribe discord-register`).
 *
 * Help, history and status are an optional `action` choice rather than subcommands: Discord does
 * not let a command with subcommands run without one, and `/scribe` alone must open the form.
 * So `/scribe` → form; `/scribe recipient_name:… recipient_interest:… template:…` → runs at once;
 * `who:…` says who exactly (issue 20), with the three or alone (the form then carries it);
 * `save_as:…` saves the template under a name (issue 23), from the command or the form it opens;
 * `/scribe action:history` → your last emails; `/scribe action:profile` → the sender profile form;
 * `/scribe action:templates` → the saved templates. Guild-only (threads need a server).
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  Routes,
  type APIApplicationCommand,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { z } from 'zod';
import { PERSONAL_LINE_CHOICES, PersonalLineChoiceSchema } from '../../requests/personal-line.ts';
import { TEMPLATE_NAME_MAX } from '../../requests/templates.ts';
import { INPUTS, PERSONAL_LINE_INPUT, WHO_OPTION } from './ids.ts';

export const COMMAND_NAME = 'scribe';

/** What `action` may ask for instead of writing an email. */
export const INFO_ACTIONS = ['help', 'history', 'status'] as const;
export type InfoAction = (typeof INFO_ACTIONS)[number];
/** `action:batch` opens the "Several recipients" form. */
export const BATCH_ACTION = 'batch';
/** `action:profile` opens the sender profile form. */
export const PROFILE_ACTION = 'profile';
/** `action:export` answers with the person's outreach as a CSV file (issue 22). */
export const EXPORT_ACTION = 'export';
/** `action:templates` lists the saved templates, to edit, rename or delete them. */
export const TEMPLATES_ACTION = 'templates';
/** The option that saves the command's (or the form's) template under a name. */
export const SAVE_AS_OPTION = 'save_as';
/** The CSV attachment option of a batch. */
export const RECIPIENTS_OPTION = 'recipients';

/** The command as Discord registers it. */
export const SCRIBE_COMMAND = {
  name: COMMAND_NAME,
  type: ApplicationCommandType.ChatInput,
  description: 'Write a personalised outreach email to a researcher',
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: INPUTS.recipientName,
      description: "The recipient's name, e.g. Dr. Ada Lovelace",
      max_length: 200,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: INPUTS.recipientInterest,
      description: 'Their research interest, e.g. analytical engines',
      max_length: 500,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: INPUTS.template,
      description: 'A saved template (start typing its name), or your template as one line',
      max_length: 6_000,
      // Suggests the person's saved templates by name; what they type themselves is used as it is.
      autocomplete: true,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: SAVE_AS_OPTION,
      description: 'Save the template under this name (pick it later in the template option)',
      max_length: TEMPLATE_NAME_MAX,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: WHO_OPTION,
      description: 'Who exactly? Their affiliation, ORCID iD, OpenAlex/arXiv author id or profile link',
      max_length: 300,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: PERSONAL_LINE_INPUT,
      description: 'Only for a template with no placeholder for the recipient: where one line about them goes',
      choices: PERSONAL_LINE_CHOICES.map((c) => ({ name: c.label, value: c.value })),
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: 'fresh',
      description: 'Research the recipient afresh instead of reusing recent research',
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'action',
      description: 'Instead of writing: help, your last emails, status, the batch form, profile, export, templates',
      choices: [...INFO_ACTIONS, BATCH_ACTION, PROFILE_ACTION, EXPORT_ACTION, TEMPLATES_ACTION].map((a) => ({
        name: a,
        value: a,
      })),
    },
    {
      type: ApplicationCommandOptionType.Attachment,
      name: RECIPIENTS_OPTION,
      description: 'A CSV: name, interest columns (optional: affiliation, orcid). One email each, with your template',
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** The command's options as they arrive; absent ones are undefined. */
export const ScribeOptionsSchema = z.object({
  recipient_name: z.string().optional(),
  recipient_interest: z.string().optional(),
  template: z.string().optional(),
  action: z.enum([...INFO_ACTIONS, BATCH_ACTION, PROFILE_ACTION, EXPORT_ACTION, TEMPLATES_ACTION]).optional(),
  save_as: z.string().optional(),
  fresh: z.boolean().optional(),
  personal_line: PersonalLineChoiceSchema.optional(),
  who: z.string().optional(),
});
export type ScribeOptions = z.infer<typeof ScribeOptionsSchema>;

export interface RegisterCommandsOptions {
  rest: REST;
  applicationId: string;
  /** Register for one guild (instant) instead of globally (may take up to an hour to appear). */
  guildId?: string | undefined;
}

/** Registers (replaces) Scribe's commands, globally or for one guild. Returns what Discord saved. */
export async function registerDiscordCommands(options: RegisterCommandsOptions): Promise<APIApplicationCommand[]> {
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  // Discord answers a bulk overwrite with the saved commands.
  return (await options.rest.put(route, { body: [SCRIBE_COMMAND] })) as APIApplicationCommand[];
}
