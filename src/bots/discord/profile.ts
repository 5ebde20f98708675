/**
 * `/scribe action:profile` on Discord: a modal with the sender's details, prefilled with the saved
 * ones; its submission saves them (src/requests/profile.ts) and confirms to the person only.
 */
import {
  type APIModalInteractionResponseCallbackData,
  type ChatInputCommandInteraction,
  ComponentType,
  MessageFlags,
  type ModalSubmitInteraction,
  TextInputStyle,
} from 'discord.js';
import {
  profileSummary,
  readProfile,
  SENDER_FIELD_NAMES,
  SENDER_FIELDS,
  type SenderProfile,
  saveProfile,
} from '../../requests/profile.ts';
import { BEFORE_ACK_DEADLINE_MS, within } from '../shared/form-prefill.ts';
import { profileSavedText } from '../shared/profile.ts';
import type { DiscordBotDeps } from './deps.ts';
import { identityOf } from './identity.ts';

/** The profile modal's custom id; its text inputs are named by the profile's fields. */
export const PROFILE_MODAL_ID = 'scribe:profile';

/** The profile form, prefilled with what is saved (labels within Discord's 45 characters). */
export function renderProfileModal(saved: SenderProfile): APIModalInteractionResponseCallbackData {
  return {
    custom_id: PROFILE_MODAL_ID,
    title: 'Your sender profile',
    components: SENDER_FIELD_NAMES.map((field) => ({
      type: ComponentType.Label,
      label: SENDER_FIELDS[field].label,
      ...(field === 'name'
        ? { description: 'Fills your own placeholders ([Your Name]…); empty fields keep theirs.' }
        : {}),
      component: {
        type: ComponentType.TextInput,
        custom_id: field,
        style: TextInputStyle.Short,
        required: false,
        max_length: SENDER_FIELDS[field].max,
        ...(saved[field] ? { value: saved[field] } : {}),
      },
    })),
  };
}

/** `/scribe action:profile`: the form, prefilled when the profile loads in time (the first answer is due in 3 s). */
export async function showProfileModal(
  deps: DiscordBotDeps,
  interaction: ChatInputCommandInteraction,
): Promise<string> {
  const identity = identityOf(interaction);
  const saved = await within(deps.logger, readProfile(deps.pool, identity), BEFORE_ACK_DEADLINE_MS, 'load the profile');
  await interaction.showModal(renderProfileModal(saved ?? {}));
  return 'profile:form';
}

/** The profile form was submitted: save it and confirm privately. */
export async function handleProfileSubmission(
  deps: DiscordBotDeps,
  interaction: ModalSubmitInteraction,
): Promise<string> {
  const values = Object.fromEntries(
    SENDER_FIELD_NAMES.map((field) => [field, interaction.fields.getTextInputValue(field)]),
  );
  const saved = await saveProfile(deps.pool, identityOf(interaction), values);
  const content = saved.ok ? profileSavedText(profileSummary(saved.profile)) : Object.values(saved.errors).join(' ');
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  return saved.ok ? 'profile:saved' : 'profile:invalid';
}
