/**
 * `/scribe action:profile` on Discord, end to end (`scribe start` as a child process, every service
 * faked): the form, saved and confirmed privately, prefilled the next time, and used in the next
 * email's sender slot — filled in code, never sent to or written by the model.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import { RECIPIENT, TEMPLATE } from '../../helpers/services.ts';

let e2e: DiscordService;

beforeAll(async () => {
  e2e = await startDiscordService();
});

afterAll(() => e2e?.close());

type ModalData = { custom_id: string; components: { component?: { custom_id: string; value?: string } }[] };
const prefilled = (data: unknown) =>
  Object.fromEntries(
    (data as ModalData).components.flatMap((c) =>
      c.component ? [[c.component.custom_id, c.component.value ?? '']] : [],
    ),
  );

it('saves the profile from its form, confirms privately, prefills it, and fills the next email’s sender slot with it', async () => {
  const { discord, scribe, services } = e2e;
  const handled = (id: string) => scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
  const { ada } = discord.people;

  const cmd = discord.slashCommand({ user: ada, options: { action: 'profile' } });
  expect((await handled(cmd.id)).outcome).toBe('profile:form');
  const form = await discord.nextCallback(cmd.id);
  expect((form.data as ModalData).custom_id).toBe('scribe:profile');
  expect(prefilled(form.data)).toEqual({ name: '', position: '', institution: '', work: '' });
  const submit = discord.submitModal(cmd.id, { name: 'Mary Somerville', institution: 'University of Edinburgh' });
  expect((await handled(submit.id)).outcome).toBe('profile:saved');
  const confirmation = discord
    .channelView(discord.channelId, ada.id)
    .find((m) => m.ephemeral && m.content.includes('sender profile'));
  expect(confirmation?.content).toContain('Saved your sender profile (name, institution)');
  expect(discord.channelView(discord.channelId).some((m) => m.content.includes('sender profile'))).toBe(false);

  // The next form opens with what was saved.
  const again = discord.slashCommand({ user: ada, options: { action: 'profile' } });
  expect((await handled(again.id)).outcome).toBe('profile:form');
  expect(prefilled((await discord.nextCallback(again.id)).data)).toEqual({
    name: 'Mary Somerville',
    position: '',
    institution: 'University of Edinburgh',
    work: '',
  });

  // The next email: [Your Name] is the profile's name; the model never saw it.
  const draft = discord.slashCommand({ user: ada });
  expect((await handled(draft.id)).outcome).toBe('modal');
  const sent = discord.submitModal(draft.id, {
    template: TEMPLATE,
    recipient_name: RECIPIENT.recipientName,
    recipient_interest: RECIPIENT.recipientInterest,
  });
  expect((await handled(sent.id)).outcome).toBe('started');
  const progress = discord.channelView(discord.channelId).find((m) => m.threadId !== undefined)!;
  const text = () =>
    discord
      .channelView(progress.threadId!)
      .map((m) => [m.text, ...m.embeds.map((e) => e.description ?? '')].join('\n'))
      .join('\n');
  await expect.poll(text, { timeout: 30_000, interval: 100 }).toContain('Dear Dr. Lovelace');
  expect(text()).toContain('Best regards,\nMary Somerville');
  expect(text()).not.toContain('[Your Name]');
  expect(JSON.stringify(services.anthropic.wireCalls())).not.toContain('Mary Somerville');
  expect(JSON.stringify(services.anthropic.answered())).not.toContain('Mary Somerville');
}, 90_000);
