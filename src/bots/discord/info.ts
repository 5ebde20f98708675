/**
 * `/scribe action:help|history|status`: answers for the caller only (ephemeral), as message bodies.
 */
import type { APIEmbed } from 'discord.js';
import { recentGenerations, type Generation } from '../../db/generations.ts';
import { upsertUser, type UserIdentity } from '../../db/users.ts';
import type { DiscordBotDeps } from './deps.ts';
import type { InfoAction } from './commands.ts';
import { COLORS, escapeMarkdown, truncate } from './render.ts';
import { readStatus, statusLines } from '../outcomes.ts';

export interface InfoReply {
  content?: string;
  embeds?: APIEmbed[];
}

const HELP = [
  '**Scribe writes personalised outreach emails to researchers.**',
  '',
  '• `/scribe` opens a form: your email template (prefilled with your last one), the recipient\'s name and their research interest.',
  '• `/scribe recipient_name:… recipient_interest:… template:…` runs at once (the template on one line).',
  '• I post the progress in the channel and the email in a thread on it, with the sources I used.',
  '• 🔁 on the email, or its **Regenerate** button, writes a new version reusing the research; **Shorter** writes a shorter one. Only you (or a member with Manage Messages) can do that.',
  '• `/scribe action:history` lists your last 10 emails; `/scribe action:status` shows the queue and your quota for today.',
].join('\n');

const STATUS_WORDS: Record<Generation['status'], string> = {
  queued: '⏳ waiting',
  running: '✍️ writing',
  succeeded: '✅ ready',
  failed: '❌ failed',
};

/** The answer to one info action. */
export async function infoReply(deps: DiscordBotDeps, action: InfoAction, user: UserIdentity): Promise<InfoReply> {
  switch (action) {
    case 'help':
      return { content: HELP };
    case 'history':
      return historyReply(deps, user);
    case 'status':
      return { content: await statusText(deps, user) };
  }
}

async function historyReply(deps: DiscordBotDeps, identity: UserIdentity): Promise<InfoReply> {
  const user = await upsertUser(deps.pool, identity);
  const rows = await recentGenerations(deps.pool, user.id, 10);
  if (!rows.length) return { content: "You haven't asked for an email yet. Run `/scribe` to write one." };
  const lines = rows.map((g) => {
    const when = `<t:${Math.floor(g.createdAt.getTime() / 1000)}:R>`;
    const version = g.version > 1 ? ` (version ${g.version})` : '';
    return `• ${when} **${escapeMarkdown(truncate(g.recipientName, 60))}**${version} — ${STATUS_WORDS[g.status]} — ${whereIs(g)}`;
  });
  return { embeds: [{ title: `Your last ${rows.length === 1 ? 'email' : `${rows.length} emails`}`, description: lines.join('\n'), color: COLORS.info }] };
}

/** A link to where the email lives: the result itself when posted, else its thread or progress message. */
function whereIs(g: Generation): string {
  const base = `https://discord.com/channels/${g.teamId}`;
  const resultChannel = g.threadId ?? g.channelId;
  if (g.resultMessageIds[0] && resultChannel) return `[open](${base}/${resultChannel}/${g.resultMessageIds[0]})`;
  if (g.threadId) return `<#${g.threadId}>`;
  if (g.channelId && g.progressMessageId) return `[open](${base}/${g.channelId}/${g.progressMessageId})`;
  return 'no message';
}

async function statusText(deps: DiscordBotDeps, identity: UserIdentity): Promise<string> {
  const user = await upsertUser(deps.pool, identity);
  return statusLines(await readStatus(deps, user.id), { title: '**Scribe status**', warning: '⚠️' });
}
