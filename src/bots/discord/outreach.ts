/**
 * Outreach memory on Discord (issue 22): the warning before a new email to someone already
 * emailed, with its *Write anyway* button, and `/scribe action:export` (the CSV as an attachment).
 * The rules and reads are the request layer's (src/requests/outreach.ts).
 */
import { type ButtonInteraction, type ChatInputCommandInteraction, ComponentType, ButtonStyle } from 'discord.js';
import { z } from 'zod';
import { exportFileName, outreachCsv, readOutreach } from '../../requests/outreach.ts';
import { startAnyway } from '../../requests/start.ts';
import { servesGuild, type DiscordBotDeps } from './deps.ts';
import { missingPermissions, NOT_SERVED, startReply } from './handlers.ts';
import { identityOf } from './identity.ts';
import { startPort } from './port.ts';
import type { ButtonRow } from './render.ts';

const QUIET = { parse: [] as [] };

const PREFIX = 'scribe:anyway:';

/** `scribe:anyway:<draftId>`: *Write anyway*, on the warning. */
export function writeAnywayId(draftId: string): string {
  return `${PREFIX}${draftId}`;
}

/** The draft a *Write anyway* button names; undefined when the id is not one. */
export function parseWriteAnywayId(customId: string): string | undefined {
  if (!customId.startsWith(PREFIX)) return undefined;
  const id = z.uuid().safeParse(customId.slice(PREFIX.length));
  return id.success ? id.data : undefined;
}

/** The warning's button. */
export function writeAnywayRow(draftId: string): ButtonRow {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Primary,
        label: 'Write anyway',
        emoji: { name: '✍️' },
        custom_id: writeAnywayId(draftId),
      },
    ],
  };
}

/** *Write anyway* pressed: the request as typed starts; the warning becomes the usual answer. */
export async function handleWriteAnyway(deps: DiscordBotDeps, interaction: ButtonInteraction): Promise<string> {
  const draftId = parseWriteAnywayId(interaction.customId);
  if (!draftId || !interaction.inGuild()) return 'ignored';
  if (!servesGuild(deps, interaction.guildId)) {
    await interaction.reply({ content: NOT_SERVED, flags: 64 });
    return 'refused:guild';
  }
  await interaction.deferUpdate();
  const identity = identityOf(interaction);
  const channelId = interaction.channelId;
  const port = startPort(deps, {
    userId: identity.platformUserId,
    channelId,
    recipientName: '',
    missing: missingPermissions(interaction.appPermissions),
  });
  const outcome = await startAnyway(deps, port, identity, draftId);
  await interaction.editReply({
    content: startReply(outcome, port, channelId),
    components: [],
    allowedMentions: QUIET,
  });
  return `anyway:${outcome.kind}`;
}

/** `/scribe action:export`: the person's outreach as a CSV attachment, to them only. */
export async function handleExport(deps: DiscordBotDeps, interaction: ChatInputCommandInteraction): Promise<string> {
  await interaction.deferReply({ flags: 64 });
  const rows = await readOutreach(deps.pool, identityOf(interaction));
  if (!rows.length) {
    await interaction.editReply({ content: NO_OUTREACH });
    return 'export:empty';
  }
  await interaction.editReply({
    content: exportSummary(rows.length),
    files: [{ attachment: Buffer.from(outreachCsv(rows), 'utf8'), name: exportFileName() }],
    allowedMentions: QUIET,
  });
  return 'export';
}

export const NO_OUTREACH =
  'You haven’t marked any email as sent yet: press **Mark as sent** under an email once you have sent it.';

export function exportSummary(count: number): string {
  return `Your outreach: ${count === 1 ? 'one email' : `${count} emails`} marked as sent (CSV: recipient, identity, interest, sent at, version, follow-up).`;
}
