/**
 * `/scribe action:help|history|status`: answers for the caller only (ephemeral), as message bodies.
 */
import type { APIEmbed } from 'discord.js';
import { readHistory, readStatus } from '../../requests/info.ts';
import type { Generation, UserIdentity } from '../../requests/types.ts';
import { historyLine, historyTitle, NO_HISTORY, statusLines } from '../shared/outcomes.ts';
import type { InfoAction } from './commands.ts';
import type { DiscordBotDeps } from './deps.ts';
import { DISCORD_STYLE } from './port.ts';
import { COLORS, truncate } from './render.ts';

export interface InfoReply {
  content?: string;
  embeds?: APIEmbed[];
}

export const HELP = [
  '**Scribe writes personalised outreach emails to researchers.**',
  '',
  "• `/scribe` opens a form: your email template (prefilled with your last one), the recipient's name and their research interest.",
  '• `/scribe recipient_name:… recipient_interest:… template:…` runs at once (the template on one line).',
  '• Several people share the name? Say who exactly with `who:` — their affiliation, ORCID iD, OpenAlex or arXiv author id, or profile link. The form has no room for it: `/scribe who:0000-0002-1825-0097` opens the form with it, or add it to a run with the three options. In a `recipients` CSV, optional `affiliation` and `orcid` columns do it per row.',
  '• `/scribe action:profile` saves your name, position, institution and a line about your work: they fill your own placeholders ([Your Name], [Your University]…) in every email, and the model never writes them.',
  '• `/scribe action:templates` lists your saved templates: edit, rename or delete them, or save a new one (up to 8,000 characters, in two boxes). Type in the `template` option to pick one by name; `save_as:NAME` saves the template you send.',
  '• I post the progress in the channel and the email in a thread on it, with the sources I used.',
  '• 🔁 on the email, or its **Regenerate** button, writes a new version reusing the research; **Shorter** writes a shorter one. Only you (or a member with Manage Messages) can do that.',
  '• 👍 / 👎 under an email rate that version (only you see the thanks).',
  '• `/scribe action:history` lists your last 10 emails (with your 👍 / 👎); `/scribe action:status` shows the queue and your quota for today.',
  '• **Mark as sent** under an email remembers that you wrote to them: a new /scribe for them asks first. `/scribe action:export` gives you a CSV of your outreach.',
  '• **Remind me** posts a short follow-up draft in the thread when it is due (a week by default), unless you press **Got a reply** or **Cancel reminder** first.',
].join('\n');

/** The answer to one info action. */
export async function infoReply(deps: DiscordBotDeps, action: InfoAction, identity: UserIdentity): Promise<InfoReply> {
  if (action === 'help') return { content: HELP };
  if (action === 'status') return { content: statusLines(await readStatus(deps, identity), DISCORD_STYLE) };
  const rows = await readHistory(deps.pool, identity);
  if (!rows.length) return { content: NO_HISTORY };
  const lines = rows.map((g) =>
    historyLine(g, {
      when: `<t:${Math.floor(g.createdAt.getTime() / 1000)}:R>`,
      name: DISCORD_STYLE.bold(truncate(g.recipientName, 60)),
      where: whereIs(g),
    }),
  );
  return { embeds: [{ title: historyTitle(rows.length), description: lines.join('\n'), color: COLORS.info }] };
}

/** A link to where the email lives: the result itself when posted, else its thread or progress message. */
export function whereIs(g: Generation): string {
  const base = `https://discord.com/channels/${g.teamId}`;
  const resultChannel = g.threadId ?? g.channelId;
  if (g.resultMessageIds[0] && resultChannel) return `[open](${base}/${resultChannel}/${g.resultMessageIds[0]})`;
  if (g.threadId) return `<#${g.threadId}>`;
  if (g.channelId && g.progressMessageId) return `[open](${base}/${g.channelId}/${g.progressMessageId})`;
  return 'no message';
}
