/**
 * Saved templates on Discord, end to end (`scribe start` as a child process, every service faked):
 * `save_as` with the command, the `template` option's autocomplete (Discord's type-4 interaction,
 * answered with a type-8 result) listing saved templates by name and a chosen one written with, the
 * manager (`/scribe action:templates`: a 4,500-character template in two boxes, rename, delete).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import { RECIPIENT, TEMPLATE } from '../../helpers/services.ts';
import { LONG_TAIL, longTemplate } from '../../helpers/templates.ts';

let e2e: DiscordService;

beforeAll(async () => {
  e2e = await startDiscordService();
});

afterAll(() => e2e?.close());

const LONG = longTemplate(4_500);
const ADA = { recipient_name: RECIPIENT.recipientName, recipient_interest: RECIPIENT.recipientInterest };
const handled = (id: string) => e2e.scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
type Choice = { name: string; value: string };
type Select = { type: number; custom_id?: string; options?: { label: string; value: string }[]; components?: Select[] };
type ModalData = {
  custom_id: string;
  components: { description?: string; component?: { custom_id: string; value?: string } }[];
};
const prefilled = (data: unknown) =>
  Object.fromEntries(
    (data as ModalData).components.flatMap((c) =>
      c.component ? [[c.component.custom_id, c.component.value ?? '']] : [],
    ),
  );

/** Ada's newest private manager message, and the templates its select offers. */
function manager() {
  const { discord } = e2e;
  const message = discord
    .channelView(discord.channelId, discord.people.ada.id)
    .filter((m) => m.ephemeral && m.content.includes('saved templates'))
    .at(-1)!;
  const select = (message.components as Select[])
    .flatMap((row) => row.components ?? [])
    .find((c) => c.custom_id === 'scribe:tpl:pick');
  return { message, options: select?.options ?? [] };
}

async function suggestions(typed: string): Promise<Choice[]> {
  const ac = e2e.discord.autocomplete({
    user: e2e.discord.people.ada,
    options: { template: typed },
    focused: 'template',
  });
  await handled(ac.id);
  const answer = await e2e.discord.nextCallback(ac.id);
  expect(answer.type).toBe(8);
  return (answer.data as { choices: Choice[] }).choices;
}

const newestTemplate = async () =>
  (await e2e.db.pool.query<{ template: string }>('SELECT template FROM generations ORDER BY created_at DESC LIMIT 1'))
    .rows[0]!.template;

it('save_as saves the template sent with the command, and says so privately', async () => {
  const { discord } = e2e;
  const cmd = discord.slashCommand({
    user: discord.people.ada,
    options: { ...ADA, template: TEMPLATE, save_as: 'Lab application' },
  });
  expect((await handled(cmd.id)).outcome).toBe('started');
  const said = discord
    .channelView(discord.channelId, discord.people.ada.id)
    .find((m) => m.ephemeral && m.content.includes('Saved your template'));
  expect(said?.content).toContain('“Lab application”');

  // With the form: the name rides in the form's custom id (the form has no room for a sixth field).
  const form = discord.slashCommand({ user: discord.people.ada, options: { save_as: 'From the form' } });
  expect((await handled(form.id)).outcome).toBe('modal');
  const modal = (await discord.nextCallback(form.id)).data as ModalData;
  expect(modal.custom_id).toBe('scribe:draft:save:13:From the form');
  expect(modal.components[0]!.description).toContain('Saved as “From the form”');
  const sent = discord.submitModal(form.id, { ...ADA, template: `${TEMPLATE}\n\nP.S. From the form.` });
  expect((await handled(sent.id)).outcome).toBe('started');
  const saidAgain = discord
    .channelView(discord.channelId, discord.people.ada.id)
    .find((m) => m.ephemeral && m.content.includes('“From the form”'));
  expect(saidAgain?.content).toContain('Saved your template as');
}, 60_000);

it('autocomplete offers the saved templates by name; choosing one writes with it, or opens the form with it', async () => {
  const { discord } = e2e;
  const choices = await suggestions('lab');
  expect(choices).toEqual([
    { name: `Lab application (${TEMPLATE.length} characters)`, value: expect.stringMatching(/^saved:/) },
  ]);
  expect(await suggestions('nothing like it')).toEqual([]);

  const run = discord.slashCommand({ user: discord.people.ada, options: { ...ADA, template: choices[0]!.value } });
  expect((await handled(run.id)).outcome).toBe('started');
  expect(await newestTemplate()).toBe(TEMPLATE);

  // The template alone: the form, filled with it.
  const form = discord.slashCommand({ user: discord.people.ada, options: { template: choices[0]!.value } });
  expect((await handled(form.id)).outcome).toBe('modal:template');
  const modal = (await discord.nextCallback(form.id)).data as ModalData;
  expect(prefilled(modal).template).toBe(TEMPLATE);
  expect(modal.components[0]!.description).toContain('Lab application');
}, 60_000);

it('the manager saves a 4,500-character template in two boxes, renames and deletes; the long one is written with in full', async () => {
  const { discord } = e2e;
  const ada = discord.people.ada;
  const list = discord.slashCommand({ user: ada, options: { action: 'templates' } });
  expect((await handled(list.id)).outcome).toBe('templates:list');
  expect(manager().message.content).toContain('• Lab application');

  // New template, in two boxes joined as typed.
  const press = discord.pressButton(manager().message.id, 'scribe:tpl:new');
  expect((await handled(press.id)).outcome).toBe('templates:new');
  const newForm = (await discord.nextCallback(press.id)).data as ModalData;
  expect(newForm.components[2]!.description).toContain('carries on exactly where the first box ends');
  const saved = discord.submitModal(press.id, {
    template_name: 'Long letter',
    template_body: LONG.slice(0, 4_000),
    template_more: LONG.slice(4_000),
  });
  expect((await handled(saved.id)).outcome).toBe('templates:saved');
  expect(manager().message.content).toContain('Saved your template as “Long letter”');
  expect(manager().message.content).toContain('• Long letter · 4,500 characters');

  // Rename "Lab application": its form opens from the select, prefilled.
  const lab = manager().options.find((o) => o.label === 'Lab application')!;
  const pick = discord.chooseInSelect(manager().message.id, 'scribe:tpl:pick', [lab.value]);
  expect((await handled(pick.id)).outcome).toBe('templates:edit');
  const labForm = (await discord.nextCallback(pick.id)).data;
  expect(prefilled(labForm)).toMatchObject({ template_name: 'Lab application', template_body: TEMPLATE });
  const renamed = discord.submitModal(pick.id, { template_name: 'Lab letter' });
  expect((await handled(renamed.id)).outcome).toBe('templates:saved');
  expect(manager().options.map((o) => o.label)).toEqual(['From the form', 'Lab letter', 'Long letter']);

  // The long one, edited, comes back in two boxes that join to the same text.
  const long = manager().options.find((o) => o.label === 'Long letter')!;
  const openLong = discord.chooseInSelect(manager().message.id, 'scribe:tpl:pick', [long.value]);
  await handled(openLong.id);
  const longForm = prefilled((await discord.nextCallback(openLong.id)).data);
  expect(longForm.template_body! + longForm.template_more!).toBe(LONG);

  // Chosen by autocomplete, it is written with in full.
  const [choice] = await suggestions('long');
  expect(choice?.name).toBe('Long letter (4,500 characters)');
  const run = discord.slashCommand({ user: ada, options: { ...ADA, template: choice!.value } });
  expect((await handled(run.id)).outcome).toBe('started');
  expect(await newestTemplate()).toBe(LONG);
  const progress = discord
    .channelView(discord.channelId)
    .filter((m) => m.threadId !== undefined)
    .at(-1)!;
  const text = () =>
    discord
      .channelView(progress.threadId!)
      .map((m) => [m.text, ...m.embeds.map((e) => e.description ?? '')].join('\n'))
      .join('\n');
  await expect.poll(text, { timeout: 30_000, interval: 100 }).toContain(LONG_TAIL);

  // Delete "Lab letter".
  const labAgain = manager().options.find((o) => o.label === 'Lab letter')!;
  const del = discord.chooseInSelect(manager().message.id, 'scribe:tpl:pick', [labAgain.value]);
  await handled(del.id);
  const deleted = discord.submitModal(del.id, { template_delete: 'true' });
  expect((await handled(deleted.id)).outcome).toBe('templates:deleted');
  expect(manager().message.content).toContain('Deleted your template “Lab letter”');
  expect(manager().options.map((o) => o.label)).toEqual(['From the form', 'Long letter']);
  expect(await suggestions('lab')).toEqual([]);
}, 90_000);

it('who and save_as ride together in the form’s custom id; too long together is refused and nothing starts', async () => {
  const { discord } = e2e;
  const orcid = '0000-0002-1825-0097';
  const form = discord.slashCommand({ user: discord.people.ada, options: { who: orcid, save_as: 'With who' } });
  expect((await handled(form.id)).outcome).toBe('modal');
  const modal = (await discord.nextCallback(form.id)).data as ModalData;
  expect(modal.custom_id).toBe(`scribe:draft:save:8:With who:who:${orcid}`);
  expect(modal.components[1]!.description).toBe(`Who exactly: ${orcid}`);
  const body = `${TEMPLATE}\n\nP.S. With who.`;
  const sent = discord.submitModal(form.id, { ...ADA, template: body });
  expect((await handled(sent.id)).outcome).toBe('started');
  const { rows } = await e2e.db.pool.query<{ template: string; identity_hint: unknown }>(
    'SELECT template, identity_hint FROM generations ORDER BY created_at DESC LIMIT 1',
  );
  expect(rows[0]).toEqual({ template: body, identity_hint: { orcid } });
  await expect
    .poll(() =>
      discord.channelView(discord.channelId, discord.people.ada.id).some((m) => m.content.includes('“With who”')),
    )
    .toBe(true);
  expect(await suggestions('with who')).toEqual([
    { name: `With who (${body.length} characters)`, value: expect.stringMatching(/^saved:/) },
  ]);

  // Each fits alone; together they are over Discord's 100 characters: said, with what to do.
  const generations = async () => (await e2e.db.pool.query('SELECT 1 FROM generations')).rowCount;
  const before = await generations();
  const who = `Massachusetts Institute of Technology CSAIL, ${orcid}`;
  const tooLong = discord.slashCommand({
    user: discord.people.ada,
    options: { who, save_as: 'Application to a laboratory, long name' },
  });
  expect((await handled(tooLong.id)).outcome).toBe('invalid');
  const answer = await discord.nextCallback(tooLong.id);
  expect(answer.type).toBe(4); // a message, not the form
  expect((answer.data as { content: string }).content).toMatch(
    /`who` and `save_as` together are too long to carry into the form \(\d+ characters? over\)[\s\S]*Nothing was started/,
  );
  expect(await generations()).toBe(before);
}, 60_000);

it('save_as is kept through the personal-line question: the button that starts the email saves the template', async () => {
  const { discord } = e2e;
  const ada = discord.people.ada;
  const written = 'Dear colleague,\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]';
  const form = discord.slashCommand({ user: ada, options: { save_as: 'Workshop' } });
  expect((await handled(form.id)).outcome).toBe('modal');
  const asked = discord.submitModal(form.id, { ...ADA, template: written });
  expect((await handled(asked.id)).outcome).toBe('no-recipient-slot');
  expect(await suggestions('workshop')).toEqual([]);
  const questionId = discord.interactions.get(asked.id)!.originalMessageId!;
  const none = (discord.message(questionId).components ?? [])
    .flatMap((row) => ('components' in row ? (row.components as { label?: string; custom_id?: string }[]) : []))
    .find((b) => b.label === 'No personal line')!;
  const pressed = discord.pressButton(questionId, none.custom_id!, { user: ada });
  expect((await handled(pressed.id)).outcome).toBe('started');
  await expect
    .poll(() => discord.channelView(discord.channelId, ada.id).some((m) => m.content.includes('“Workshop”')))
    .toBe(true);
  expect(await suggestions('workshop')).toEqual([
    { name: `Workshop (${written.length} characters)`, value: expect.stringMatching(/^saved:/) },
  ]);
}, 60_000);
