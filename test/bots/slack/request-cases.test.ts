/** The shared table of request cases (test/bots/shared/request-cases.ts), on Slack: real Bolt over HTTP against the fake Slack. */
import { afterAll, beforeAll, describe } from 'vitest';
import { RESULT_BUTTON_IDS } from '../../../src/bots/slack/ids.ts';
import { createGeneration } from '../../../src/requests/commit/start.ts';
import { runRequestCases, type RequestDriver } from '../shared/request-cases.ts';
import { DAILY_QUOTA, startHarness, TEMPLATE, type Harness } from './harness.ts';

let h: Harness;
let people = 0;

beforeAll(async () => {
  h = await startHarness({ mode: 'http' });
});

afterAll(async () => {
  await h?.close();
});

const CHANNEL = 'C0GENERAL';

function slackDriver(): RequestDriver {
  return {
    async person() {
      const id = `U0CASE${String(++people).padStart(3, '0')}`;
      h.fake.state.ensureUser(id);
      return id;
    },
    async finishedEmail(requester) {
      const { outcome } = await h.draft({ user: requester, channel: CHANNEL });
      if (outcome !== 'started:channel') throw new Error(`could not start an email: ${outcome}`);
      const progress = h.fake
        .messagesIn(CHANNEL)
        .filter((m) => m.fromBot && !m.streamed)
        .at(-1)!;
      const parent = (await h.generationByProgress(progress.ts))!;
      const [resultId] = await h.succeed(parent);
      return { parentId: parent.id, resultId: resultId! };
    },
    async pressRegenerate(email, by, options = {}) {
      const click = await h.slack.clickButton({
        user: by,
        channel: CHANNEL,
        ts: email.resultId,
        actionId: RESULT_BUTTON_IDS.regenerate,
        ...(options.claimsGeneration ? { value: options.claimsGeneration } : {}),
        ...(options.fromOtherTeam ? { teamId: 'T0OTHERCO' } : {}),
      });
      return (await h.handled(click.triggerId)).outcome;
    },
    async start(requester) {
      return (await h.draft({ user: requester, channel: CHANNEL })).outcome;
    },
    async useUpQuota(person) {
      const user = { platform: 'slack' as const, teamId: h.fake.state.team.id, platformUserId: person };
      const request = { template: TEMPLATE, recipientName: 'Dr. Filler', recipientInterest: 'quotas' };
      const used = (
        await h.db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM generations g JOIN users u ON u.id = g.user_id WHERE u.platform_user_id = $1',
          [person],
        )
      ).rows[0]!.n;
      for (let i = used; i < DAILY_QUOTA; i++)
        await createGeneration({ pool: h.db.pool, boss: h.queue.boss, dailyQuota: DAILY_QUOTA }, { user, request });
    },
    async blockPosting() {
      h.fake.state.ensureChannel(CHANNEL, { member: false });
      return () => void h.fake.state.ensureChannel(CHANNEL, { member: true });
    },
    versionsOf: async (email) => (await h.children(email.parentId)).length,
    lastPrivate: (person) => h.fake.ephemeralsFor(person).at(-1)?.text,
  };
}

describe('Slack: the shared request cases', () => {
  runRequestCases(slackDriver);
});
