/** Who sent a Discord interaction, as the request layer knows people. */
import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { UserIdentity } from '../../requests/types.ts';

export type GuildInteraction =
  | ChatInputCommandInteraction
  | ModalSubmitInteraction
  | ButtonInteraction
  | StringSelectMenuInteraction
  | AutocompleteInteraction;

/** The person: their guild, their global user id, and whether they may manage messages (an admin). */
export function identityOf(interaction: GuildInteraction): UserIdentity & { platform: 'discord' } {
  return {
    platform: 'discord',
    teamId: interaction.guildId ?? '',
    platformUserId: interaction.user.id,
    displayName: interaction.user.globalName ?? interaction.user.username,
    isAdmin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
  };
}
