/**
 * "Who exactly?" on Discord (issue 20), end to end. The /scribe form is full (five components), so
 * it is the command's `who` option: alone it opens the form carrying it (shown under the name),
 * with the other three it runs at once. A mistyped ORCID iD is answered privately and nothing is
 * posted, spent or queued; a valid one is decisive (the namesake it names, only their papers);
 * an arXiv author id brings that author's feed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import { ADA_FORM, startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import { ADA_JOURNAL_PAPER, BAD_ORCID, NAMESAKE_PAPER } from '../../helpers/namesakes.ts';
import { composerPrompt, OPENALEX_TEST_KEY, type Services } from '../../helpers/services.ts';
import { emailPieceOf } from '../../helpers/discord-v2.ts';

/** ORCID's other example iD (valid checksum), given here to the Leeds namesake. */
const NAMESAKE_ORCID = '0000-0002-1694-233X';
const ADA_PAPER = 'Programs for analytical engines';

let discord: FakeDiscord;
let services: Services;
let e2e: DiscordService;

beforeAll(async () => {
  e2e = await startDiscordService({ env: { OPENALEX_API_KEY: OPENALEX_TEST_KEY } });
  ({ discord, services } = e2e);
  const namesake = services.openalex.authors.find((a) => a.id.endsWith('/A200'))!;
  namesake.orcid = `https://orcid.org/${NAMESAKE_ORCID}`;
  services.arxiv.authorFeeds = { lovelace_a_2: ['2301.00020'] };
});

afterAll(() => e2e?.close());

const handled = (id: string) => e2e.scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
const replyTo = (id: string) => {
  const message = discord.interactions.get(id)?.originalMessageId;
  return message ? discord.message(message).content : '';
};
const generations = async () =>
  (await e2e.db.pool.query('SELECT id, identity_hint FROM generations ORDER BY created_at')).rows;

/** Waits for the email of the generation whose progress message is the newest in the channel. */
async function emailThread(): Promise<string> {
  const progress = discord.channelView(discord.channelId).findLast((m) => m.threadId !== undefined)!;
  const thread = () => discord.channelView(progress.threadId!);
  await expect
    .poll(() => thread().filter((m) => emailPieceOf(m).includes('Dear Dr. Lovelace')).length, { timeout: 60_000 })
    .toBe(1);
  return thread()
    .flatMap((m) => [m.text, ...m.embeds.map((e) => `${e.title ?? ''}\n${e.description ?? ''}`)])
    .join('\n');
}

it('answers a mistyped ORCID iD privately, on the command and inline, and starts nothing', async () => {
  const alone = discord.slashCommand({ options: { who: BAD_ORCID } });
  expect(await handled(alone.id)).toMatchObject({ outcome: 'invalid' });
  expect((await discord.nextCallback(alone.id)).type).toBe(4); // a message, not the form
  expect(replyTo(alone.id)).toMatch(/• `who`: The ORCID iD 0000-0002-1825-0096 is mistyped[\s\S]*Nothing was started/);

  const inline = discord.slashCommand({
    options: {
      recipient_name: ADA_FORM.recipient_name,
      recipient_interest: ADA_FORM.recipient_interest,
      template: ADA_FORM.template,
      who: BAD_ORCID,
    },
  });
  expect(await handled(inline.id)).toMatchObject({ outcome: 'invalid' });
  expect(replyTo(inline.id)).toMatch(/• `who`: The ORCID iD 0000-0002-1825-0096 is mistyped/);

  expect(discord.channelView(discord.channelId).filter((m) => !m.ephemeral)).toEqual([]);
  expect(services.anthropic.calls()).toHaveLength(0);
  expect(await generations()).toEqual([]);
}, 60_000);

it('carries `who` into the form; a valid ORCID iD is decisive: the namesake it names, only their papers', async () => {
  const cmd = discord.slashCommand({ options: { who: `orcid.org/${NAMESAKE_ORCID}` } });
  expect(await handled(cmd.id)).toMatchObject({ outcome: 'modal' });
  const form = (await discord.nextCallback(cmd.id)).data as { components: { description?: string }[] };
  expect(form.components[1]?.description).toBe(`Who exactly: orcid.org/${NAMESAKE_ORCID}`);
  const submit = discord.submitModal(cmd.id, ADA_FORM);
  expect(await handled(submit.id)).toMatchObject({ outcome: 'started' });

  const embeds = await emailThread();
  expect(embeds).toContain(`About: Ada Lovelace · University of Leeds · ORCID ${NAMESAKE_ORCID}`);
  const prompt = composerPrompt(services);
  expect(prompt).toContain(NAMESAKE_PAPER);
  expect(prompt).not.toContain(ADA_PAPER);
  expect(prompt).not.toContain(ADA_JOURNAL_PAPER);
  expect((await generations()).map((g) => g.identity_hint)).toEqual([{ orcid: NAMESAKE_ORCID }]);
}, 120_000);

it('takes an arXiv author id inline: that author’s feed is who and what', async () => {
  const cmd = discord.slashCommand({
    options: {
      recipient_name: ADA_FORM.recipient_name,
      recipient_interest: ADA_FORM.recipient_interest,
      template: ADA_FORM.template,
      who: 'lovelace_a_2',
    },
  });
  expect(await handled(cmd.id)).toMatchObject({ outcome: 'started' });
  const [, row] = await generations();
  expect(row?.identity_hint).toEqual({ arxivAuthorId: 'lovelace_a_2' });
  await expect
    .poll(
      async () => (await e2e.db.pool.query('SELECT status FROM generations WHERE id = $1', [row.id])).rows[0].status,
      {
        timeout: 60_000,
      },
    )
    .toBe('succeeded');
  const { rows } = await e2e.db.pool.query('SELECT steps FROM generations WHERE id = $1', [row.id]);
  expect(rows[0].steps.identity.output).toMatchObject({ decision: 'confident', basis: 'hint', chosenId: 'A200' });
  expect(rows[0].steps.arxiv.output.papers.map((p: { title: string }) => p.title)).toEqual([NAMESAKE_PAPER]);
  expect(services.arxiv.authorFeedRequests()).toEqual(['lovelace_a_2']);
  const embeds = await emailThread();
  expect(embeds).toContain(`About: Ada Lovelace · University of Leeds · ORCID ${NAMESAKE_ORCID}`);
  const prompt = composerPrompt(services);
  expect(prompt).toContain(NAMESAKE_PAPER);
  expect(prompt).not.toContain(ADA_PAPER);
}, 120_000);
