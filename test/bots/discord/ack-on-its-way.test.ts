/**
 * A Discord interaction's ack is on its way (src/bots/shared/ack-first.ts) from its arrival until
 * its callback has been answered: the REST client's own answer ends it, through the real
 * @discordjs/rest against the fake Discord.
 */
import { REST, Routes } from 'discord.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acksOnTheirWay } from '../../../src/bots/discord/register.ts';
import { acksOnTheirWayNow } from '../../../src/bots/shared/ack-first.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/discord/index.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake?.close();
});

it("ends an interaction's ack when its callback is answered, not before, and only that one", async () => {
  const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
  const started = acksOnTheirWay({ rest });
  const before = acksOnTheirWayNow();
  const answered = fake.slashCommand();
  const other = fake.slashCommand();
  const endAnswered = started(answered);
  const endOther = started(other);
  expect(acksOnTheirWayNow()).toBe(before + 2);
  // A call that is not an interaction's callback ends nothing.
  await rest.get(Routes.channel(fake.channelId));
  expect(acksOnTheirWayNow()).toBe(before + 2);
  await rest.post(Routes.interactionCallback(answered.id, answered.token), {
    body: { type: 4, data: { content: 'Working on it.' } },
    auth: false,
  });
  expect(fake.rest.callsTo('POST /interactions/:interaction/:token/callback').at(-1)?.status).toBe(204);
  expect(acksOnTheirWayNow()).toBe(before + 1);
  endAnswered(); // the handler's end after its callback counts nothing more
  expect(acksOnTheirWayNow()).toBe(before + 1);
  endOther(); // a handler that ended without a callback
  expect(acksOnTheirWayNow()).toBe(before);
});
