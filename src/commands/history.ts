/**
 * `scribe history [--csv] --platform slack|discord --team ID --user ID`: one person's outreach (the
 * emails they marked as sent, issue 22) in the terminal, or as CSV on stdout — the same file as
 * `/scribe export`. For the person who runs Scribe: the chats are where people mark emails sent.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { createLifecycle } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { outreachCsv, readOutreach, shortDate } from '../requests/outreach.ts';
import { openMigratedDatabase, type CommandResult } from './common.ts';

export const HISTORY_HELP = `Usage: scribe history --platform slack|discord --team ID --user ID [--csv]

One person's outreach: the emails they marked as sent, newest first. --csv writes CSV to stdout
(recipient, identity, interest, sent_at, version, follow_up), as /scribe export does; cells that a
spreadsheet would run as a formula start with '.
`;

const ArgsSchema = z.object({
  platform: z.enum(['slack', 'discord']),
  team: z.string().min(1),
  user: z.string().min(1),
  csv: z.boolean().optional(),
});

export async function runHistory(config: Config, logger: Logger, args: string[]): Promise<CommandResult> {
  let values: z.infer<typeof ArgsSchema>;
  try {
    const parsed = parseArgs({
      args,
      options: {
        platform: { type: 'string' },
        team: { type: 'string' },
        user: { type: 'string' },
        csv: { type: 'boolean' },
      },
    }).values;
    values = ArgsSchema.parse(parsed);
  } catch (err) {
    const why =
      err instanceof z.ZodError ? err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`) : [String(err)];
    process.stderr.write(`scribe history: ${why.join('; ')}\n${HISTORY_HELP}`);
    return 2;
  }
  const lifecycle = createLifecycle(logger);
  try {
    const db = await openMigratedDatabase(config, logger, lifecycle);
    const rows = await readOutreach(db.pool, {
      platform: values.platform,
      teamId: values.team,
      platformUserId: values.user,
    });
    if (values.csv) process.stdout.write(outreachCsv(rows));
    else if (!rows.length) process.stdout.write('No email marked as sent yet.\n');
    else
      for (const o of rows)
        process.stdout.write(
          `${shortDate(o.sentAt)}  ${o.recipientName} — version ${o.version}${o.identity ? ` — ${o.identity}` : ''}` +
            `${o.followUp === 'none' ? '' : ` — follow-up ${o.followUp}`}\n`,
        );
    return 0;
  } finally {
    await lifecycle.shutdown('history finished');
  }
}
