/**
 * `/scribe help`, `/scribe history`, `/scribe status`: answers for the caller only, in mrkdwn.
 */
import { readHistory, readStatus } from '../../requests/info.ts';
import type { Generation, UserIdentity } from '../../requests/types.ts';
import { historyLine, historyTitle, NO_HISTORY, statusLines } from '../shared/outcomes.ts';
import type { SlackBotDeps } from './deps.ts';
import { SLACK_STYLE } from './port.ts';

/** What `/scribe <word>` may ask for instead of the form. */
export type InfoAction = 'help' | 'history' | 'status';

/** `/scribe help`. */
export const HELP = [
  '*Scribe writes personalised outreach emails to researchers.*',
  '• `/scribe` opens a form: your email template (prefilled with your last one), the recipient’s name and their research interest.',
  '• Several people share the name? *Who exactly?* on the form takes their affiliation, ORCID iD, OpenAlex or arXiv author id, or profile link; in a batch, a header row with optional `affiliation` and `orcid` columns does it per row.',
  '• `/scribe batch` (or *Several recipients →* in the form) writes to several people at once: one `Name | research interest` per line (rows pasted from a spreadsheet work), one table of progress, every email in its thread.',
  '• `/scribe profile` saves your name, position, institution and a line about your work: they fill your own placeholders ([Your Name], [Your University]…) in every email, and the model never writes them.',
  '• `/scribe templates` lists your saved templates: edit, rename or delete them, or save a new one (up to 6,000 characters, in two boxes). Pick one in the `/scribe` form, or name the one you type there (*Save this template as*). The app’s Home tab lists them too.',
  '• I post the progress in the channel and the email in a thread on it, with the sources I used.',
  '• React with :repeat: on the email, or press *Regenerate*, for a new version that reuses the research; *Shorter* writes a shorter one. Only you (or a workspace admin) can do that.',
  '• 👍 / 👎 under an email rate that version (only you see the thanks).',
  '• `/scribe history` lists your last 10 emails (with your 👍 / 👎); `/scribe status` shows the queue and your quota for today.',
  '• *Mark as sent* under an email remembers that you wrote to them: a new `/scribe` for them asks first. `/scribe export` sends you a CSV of your outreach.',
  '• *Remind me* posts a short follow-up draft in the thread when it is due (a week by default), unless you press *Got a reply* or *Cancel reminder* first.',
  '• I need to be in the channel to post there (`/invite @Scribe`); otherwise I write to you in a DM.',
  '• I also live in Slack’s agent view and in my DM: write there, or pick a suggested prompt (a form, a batch, your history).',
].join('\n');

/** The answer to one info action; `teamDomain` (from the command) makes message links. */
export async function infoReply(
  deps: SlackBotDeps,
  action: InfoAction,
  identity: UserIdentity,
  teamDomain?: string,
): Promise<string> {
  if (action === 'help') return HELP;
  if (action === 'status') return statusLines(await readStatus(deps, identity), SLACK_STYLE);
  const rows = await readHistory(deps.pool, identity);
  if (!rows.length) return NO_HISTORY;
  const lines = rows.map((g) =>
    historyLine(g, {
      when: `<!date^${Math.floor(g.createdAt.getTime() / 1000)}^{date_short_pretty} {time}|${g.createdAt.toISOString()}>`,
      name: SLACK_STYLE.bold(g.recipientName.slice(0, 80)),
      where: whereIs(g, teamDomain),
    }),
  );
  return [SLACK_STYLE.bold(historyTitle(rows.length)), ...lines].join('\n');
}

/** A link to the email: the result when posted, else the progress message; the channel when no link can be made. */
export function whereIs(g: Generation, teamDomain: string | undefined): string {
  if (!g.channelId) return 'no message';
  const ts = g.resultMessageIds[0] ?? g.progressMessageId;
  if (!teamDomain || !ts) return `in <#${g.channelId}>`;
  const thread = g.threadId && g.threadId !== ts ? `?thread_ts=${g.threadId}&cid=${g.channelId}` : '';
  return `<https://${teamDomain}.slack.com/archives/${g.channelId}/p${ts.replace('.', '')}${thread}|open>`;
}
