/**
 * `/scribe help`, `/scribe history`, `/scribe status`: answers for the caller only, in mrkdwn.
 */
import { recentGenerations, type Generation } from '../../db/generations.ts';
import { upsertUser, type UserIdentity } from '../../db/users.ts';
import type { SlackBotDeps } from './deps.ts';
import { escapeMrkdwn } from './render.ts';
import { readStatus, statusLines } from '../outcomes.ts';

/** `/scribe help`. */
export const HELP = [
  '*Scribe writes personalised outreach emails to researchers.*',
  '• `/scribe` opens a form: your email template (prefilled with your last one), the recipient’s name and their research interest.',
  '• I post the progress in the channel and the email in a thread on it, with the sources I used.',
  '• React with :repeat: on the email, or press *Regenerate*, for a new version that reuses the research; *Shorter* writes a shorter one. Only you (or a workspace admin) can do that.',
  '• `/scribe history` lists your last 10 emails; `/scribe status` shows the queue and your quota for today.',
  '• I need to be in the channel to post there (`/invite @Scribe`); otherwise I write to you in a DM.',
].join('\n');

const STATUS_WORDS: Record<Generation['status'], string> = {
  queued: '⏳ waiting',
  running: '✍️ writing',
  succeeded: '✅ ready',
  failed: '❌ failed',
};

/** The answer to `history` or `status`; `teamDomain` (from the command) makes message links. */
export async function infoText(deps: SlackBotDeps, action: 'history' | 'status', user: UserIdentity, teamDomain?: string): Promise<string> {
  const row = await upsertUser(deps.pool, user);
  return action === 'history' ? historyText(deps, row.id, teamDomain) : statusText(deps, row.id);
}

async function historyText(deps: SlackBotDeps, userId: string, teamDomain: string | undefined): Promise<string> {
  const rows = await recentGenerations(deps.pool, userId, 10);
  if (!rows.length) return 'You haven’t asked for an email yet. Run `/scribe` to write one.';
  const lines = rows.map((g) => {
    const when = `<!date^${Math.floor(g.createdAt.getTime() / 1000)}^{date_short_pretty} {time}|${g.createdAt.toISOString()}>`;
    const version = g.version > 1 ? ` (version ${g.version})` : '';
    return `• ${when} *${escapeMrkdwn(g.recipientName.slice(0, 80))}*${version} — ${STATUS_WORDS[g.status]} — ${whereIs(g, teamDomain)}`;
  });
  return [`*Your last ${rows.length === 1 ? 'email' : `${rows.length} emails`}*`, ...lines].join('\n');
}

/** A link to the email: the result when posted, else the progress message; the channel when no link can be made. */
export function whereIs(g: Generation, teamDomain: string | undefined): string {
  if (!g.channelId) return 'no message';
  const ts = g.resultMessageIds[0] ?? g.progressMessageId;
  if (!teamDomain || !ts) return `in <#${g.channelId}>`;
  const thread = g.threadId && g.threadId !== ts ? `?thread_ts=${g.threadId}&cid=${g.channelId}` : '';
  return `<https://${teamDomain}.slack.com/archives/${g.channelId}/p${ts.replace('.', '')}${thread}|open>`;
}

async function statusText(deps: SlackBotDeps, userId: string): Promise<string> {
  return statusLines(await readStatus(deps, userId), { title: '*Scribe status*', warning: ':warning:' });
}
