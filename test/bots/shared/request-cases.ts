/**
 * One table of request cases, run against each platform's fake through its real bot and the
 * shared request layer (test/bots/slack/request-cases.test.ts, test/bots/discord/…). A driver
 * acts as people do on its platform; the cases assert the same outcome names, the same database
 * effect and what the person is told, so the two adapters cannot drift apart.
 */
import { expect, it } from 'vitest';

/** A finished email: its generation and the id of its (first) result message. */
export interface EmailUnderTest {
  parentId: string;
  resultId: string;
}

export interface RequestDriver {
  /** A new person in the workspace/guild, not an admin; returns their platform user id. */
  person(): Promise<string>;
  /** A finished email asked for by `requester`. */
  finishedEmail(requester: string): Promise<EmailUnderTest>;
  /**
   * `by` presses Regenerate on the email's result message; resolves with the handler's outcome.
   * `fromOtherTeam`: the press comes from another workspace/guild. `claimsGeneration`: the button
   * carries another generation's id (a forged or mixed-up payload).
   */
  pressRegenerate(
    email: EmailUnderTest,
    by: string,
    options?: { fromOtherTeam?: boolean; claimsGeneration?: string },
  ): Promise<string>;
  /** `requester` starts a new email in the default channel; resolves with the outcome. */
  start(requester: string): Promise<string>;
  /** Uses up the person's quota for today. */
  useUpQuota(person: string): Promise<void>;
  /** Takes away the bot's right to post in the email's thread; resolves with the undo. */
  blockPosting(email: EmailUnderTest): Promise<() => void>;
  /** New versions of the email so far. */
  versionsOf(email: EmailUnderTest): Promise<number>;
  /** The last thing said to `person` alone about `email`. */
  lastPrivate(person: string, email: EmailUnderTest): string | undefined;
}

export interface RequestCase {
  name: string;
  run(d: RequestDriver): Promise<void>;
}

export const REQUEST_CASES: RequestCase[] = [
  {
    name: 'quota reached: no new version, no new email, and the person is told',
    async run(d) {
      const ada = await d.person();
      const email = await d.finishedEmail(ada);
      await d.useUpQuota(ada);
      expect(await d.pressRegenerate(email, ada)).toBe('quota');
      expect(await d.versionsOf(email)).toBe(0);
      expect(d.lastPrivate(ada, email)).toContain('You have used all');
      expect(await d.start(ada)).toBe('quota');
    },
  },
  {
    name: 'not the requester: refused, and told who may',
    async run(d) {
      const [ada, grace] = [await d.person(), await d.person()];
      const email = await d.finishedEmail(ada);
      expect(await d.pressRegenerate(email, grace)).toBe('not-allowed');
      expect(await d.versionsOf(email)).toBe(0);
      expect(d.lastPrivate(grace, email)).toMatch(
        new RegExp(`^Only <@${ada}> or (a workspace admin|a member with Manage Messages) can regenerate it\\.$`),
      );
    },
  },
  {
    name: 'duplicate within the window: one new version',
    async run(d) {
      const ada = await d.person();
      const email = await d.finishedEmail(ada);
      expect(await d.pressRegenerate(email, ada)).toBe('started');
      expect(await d.pressRegenerate(email, ada)).toBe('duplicate');
      expect(await d.versionsOf(email)).toBe(1);
    },
  },
  {
    name: 'cannot post in the thread: nothing started, and the person is told',
    async run(d) {
      const ada = await d.person();
      const email = await d.finishedEmail(ada);
      const undo = await d.blockPosting(email);
      try {
        expect(await d.pressRegenerate(email, ada)).toBe('cannot-post');
      } finally {
        undo();
      }
      expect(await d.versionsOf(email)).toBe(0);
      expect(d.lastPrivate(ada, email)).toContain("I can't post in this thread");
    },
  },
  {
    name: 'wrong team: another workspace/guild cannot act on the email, nor learn it exists',
    async run(d) {
      const ada = await d.person();
      const email = await d.finishedEmail(ada);
      expect(await d.pressRegenerate(email, ada, { fromOtherTeam: true })).toBe('wrong-team');
      expect(await d.versionsOf(email)).toBe(0);
      expect(d.lastPrivate(ada, email)).toContain('That email no longer exists');
    },
  },
  {
    name: 'a button naming another email than the one it is on: refused',
    async run(d) {
      const ada = await d.person();
      const [first, second] = [await d.finishedEmail(ada), await d.finishedEmail(ada)];
      expect(await d.pressRegenerate(first, ada, { claimsGeneration: second.parentId })).toBe('wrong-message');
      expect(await d.versionsOf(first)).toBe(0);
      expect(await d.versionsOf(second)).toBe(0);
    },
  },
];

/** Registers one test per case; `driver` is read when the tests run (after `beforeAll`). */
export function runRequestCases(driver: () => RequestDriver): void {
  for (const c of REQUEST_CASES) it(c.name, () => c.run(driver()));
}
