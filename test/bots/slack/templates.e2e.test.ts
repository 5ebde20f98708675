/**
 * Saved templates on Slack, end to end (`scribe start` as a child process, every service faked):
 * "Save as" in the form, the manager (`/scribe templates`: a new 4,500-character template in two
 * boxes, rename, delete), the form's select filling the template with `views.update`, a picked
 * template too long for Slack's field written with in full, and the Home tab listing them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADA_FORM, startSlackService, type SlackService } from '../../helpers/e2e.ts';
import { RECIPIENT, TEMPLATE } from '../../helpers/services.ts';
import { LONG_TAIL, longTemplate } from '../../helpers/templates.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService();
});

afterAll(() => e2e?.close());

type Block = {
  type: string;
  block_id?: string;
  optional?: boolean;
  text?: { text: string };
  hint?: { text: string };
  accessory?: { action_id: string; value?: string };
  element?: { initial_value?: string; options?: { text: { text: string }; value: string }[] };
  elements?: { action_id: string; options?: { text: { text: string }; value: string }[] }[];
};
const blocksOf = (view: { view: { blocks: unknown[] } }) => view.view.blocks as Block[];
/** The template names a manager or Home view lists, in order. */
const listed = (blocks: Block[]) =>
  blocks
    .filter((b) => b.accessory?.action_id.startsWith('scribe_template_edit:'))
    .map((b) => b.text!.text.split('\n')[0]);
const editButton = (blocks: Block[], name: string) =>
  blocks.find((b) => b.text?.text.startsWith(`*${name}*`))!.accessory!.action_id;

const LONG = longTemplate(4_500);
const handled = (id: string) => e2e.scribe.waitForEvent({ event: 'request.handled', id }, 15_000);

it('saves the form’s template under a name and says so privately', async () => {
  const { slack, driver } = e2e;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  const form = await slack.until(() => slack.views('U0ADA')[0], 'the form');
  expect(blocksOf(form).map((b) => b.block_id)).toContain('save_as');
  // No saved template yet: no select.
  expect(blocksOf(form).map((b) => b.block_id)).not.toContain('pick_template');
  await driver.submitView({ user: 'U0ADA', values: { ...ADA_FORM, save_as: 'Lab application' } });
  const said = await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes('Saved your template')),
    'the confirmation',
  );
  expect(said.text).toContain('“Lab application”');
}, 60_000);

it('the manager saves a 4,500-character template from two boxes, renames one and lists them', async () => {
  const { slack, driver } = e2e;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'templates' });
  const manager = await slack.until(() => slack.views('U0ADA')[0], 'the manager');
  expect(manager.view.callback_id).toBe('scribe_templates');
  expect(listed(blocksOf(manager))).toEqual(['*Lab application*']);

  // New template: the body in two parts, joined as typed.
  const press = await driver.clickViewButton({ user: 'U0ADA', actionId: 'scribe_template_new' });
  await handled(press.triggerId);
  const form = slack.views('U0ADA')[0]!;
  expect(form.view.callback_id).toBe('scribe_template_edit');
  const more = blocksOf(form).find((b) => b.block_id === 'template_more')!;
  expect(more.hint?.text).toContain('carries on exactly where the first box ends');
  await driver.submitView({
    user: 'U0ADA',
    values: { template_name: 'Long letter', template_body: LONG.slice(0, 3_000), template_more: LONG.slice(3_000) },
  });
  const saved = slack.views('U0ADA')[0]!;
  expect(saved.view.callback_id).toBe('scribe_templates');
  expect(JSON.stringify(saved.view.blocks)).toContain('Saved your template as “Long letter”');
  expect(listed(blocksOf(saved))).toEqual(['*Lab application*', '*Long letter*']);
  expect(JSON.stringify(saved.view.blocks)).toContain('4,500 characters');

  // Edit the long one: it comes back in two boxes that join to the same text; unchanged, it saves as it was.
  const edit = await driver.clickViewButton({ user: 'U0ADA', actionId: editButton(blocksOf(saved), 'Long letter') });
  await handled(edit.triggerId);
  const editForm = slack.views('U0ADA')[0]!;
  const initial = (id: string) => blocksOf(editForm).find((b) => b.block_id === id)!.element!.initial_value ?? '';
  expect(initial('template_body').length).toBeLessThanOrEqual(3_000);
  expect(initial('template_body') + initial('template_more')).toBe(LONG);

  // Rename "Lab application" to "Lab letter".
  await driver.submitView({
    user: 'U0ADA',
    values: {
      template_name: 'Long letter',
      template_body: initial('template_body'),
      template_more: initial('template_more'),
    },
  });
  const back = slack.views('U0ADA')[0]!;
  const rename = await driver.clickViewButton({
    user: 'U0ADA',
    actionId: editButton(blocksOf(back), 'Lab application'),
  });
  await handled(rename.triggerId);
  const renameForm = slack.views('U0ADA')[0]!;
  expect(blocksOf(renameForm).find((b) => b.block_id === 'template_name')!.element!.initial_value).toBe(
    'Lab application',
  );
  await driver.submitView({ user: 'U0ADA', values: { template_name: 'Lab letter', template_body: TEMPLATE } });
  expect(listed(blocksOf(slack.views('U0ADA')[0]!))).toEqual(['*Lab letter*', '*Long letter*']);
}, 60_000);

it('the form’s select fills the template with views.update; a long one is written with in full', async () => {
  const { slack, driver, db } = e2e;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  const form = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_draft'),
    'the form',
  );
  const pick = blocksOf(form).find((b) => b.block_id === 'pick_template')!;
  const options = pick.elements![0]!.options!;
  expect(options.map((o) => o.text.text)).toEqual(['Lab letter', 'Long letter']);

  // The short one: its body in the field.
  const short = await driver.clickViewButton({
    user: 'U0ADA',
    actionId: 'scribe_template_pick',
    selected: options[0]!.value,
  });
  await handled(short.triggerId);
  const filled = slack.views('U0ADA').at(-1)!;
  const field = blocksOf(filled).find((b) => b.block_id === `template.${options[0]!.value}`)!;
  expect(field.element!.initial_value).toBe(TEMPLATE);

  // The long one: too long for the field, so the field is left empty and says so.
  const long = await driver.clickViewButton({
    user: 'U0ADA',
    actionId: 'scribe_template_pick',
    selected: options[1]!.value,
  });
  await handled(long.triggerId);
  const longForm = slack.views('U0ADA').at(-1)!;
  const longField = blocksOf(longForm).find((b) => b.block_id === `template.${options[1]!.value}`)!;
  expect(longField.element!.initial_value).toBeUndefined();
  expect(longField.optional).toBe(true);
  expect(longField.hint!.text).toContain('4,500 characters, more than a Slack field holds');

  await driver.submitView({
    user: 'U0ADA',
    values: {
      [`template.${options[1]!.value}`]: '',
      recipient_name: RECIPIENT.recipientName,
      recipient_interest: RECIPIENT.recipientInterest,
    },
  });
  const result = await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL')
        .flatMap((m) => slack.messagesIn('C0GENERAL', m.ts))
        .find((m) => isSlackResult(m) && m.visible.includes(LONG_TAIL)),
    'the email written with the long template',
    30_000,
  );
  expect(result.visible).toContain('Chapter 48');
  const { rows } = await db.pool.query<{ template: string }>(
    'SELECT template FROM generations ORDER BY created_at DESC LIMIT 1',
  );
  expect(rows[0]!.template).toBe(LONG);
}, 90_000);

it('a picked template, edited, goes along to the batch form', async () => {
  const { slack, driver } = e2e;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  const form = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_draft'),
    'the form',
  );
  const [short] = blocksOf(form).find((b) => b.block_id === 'pick_template')!.elements![0]!.options!;
  const pick = await driver.clickViewButton({
    user: 'U0ADA',
    actionId: 'scribe_template_pick',
    selected: short!.value,
  });
  await handled(pick.triggerId);
  const edited = `${TEMPLATE}\n\nP.S. Edited after the pick.`;
  const press = await driver.clickViewButton({
    user: 'U0ADA',
    actionId: 'scribe_mode_batch',
    values: { [`template.${short!.value}`]: edited },
  });
  await handled(press.triggerId);
  const batch = slack.views('U0ADA').at(-1)!;
  expect(batch.view.callback_id).toBe('scribe_batch');
  expect(blocksOf(batch).find((b) => b.block_id === 'template')!.element!.initial_value).toBe(edited);
  slack.state.views.get(batch.id)!.state = 'closed';
}, 60_000);

it('the Home tab lists the templates; its Edit opens the form, and deleting one takes it off', async () => {
  const { slack, driver } = e2e;
  const opened = await driver.openHome({ user: 'U0ADA' });
  await handled(opened.eventId);
  const home = slack.home('U0ADA')!;
  expect(home.view.type).toBe('home');
  expect(listed(blocksOf(home))).toEqual(['*Lab letter*', '*Long letter*']);

  const edit = await driver.clickViewButton({
    user: 'U0ADA',
    home: true,
    actionId: editButton(blocksOf(home), 'Lab letter'),
  });
  await handled(edit.triggerId);
  const form = slack.views('U0ADA').at(-1)!;
  expect(form.view.callback_id).toBe('scribe_template_edit');
  await driver.submitView({
    user: 'U0ADA',
    values: { template_name: 'Lab letter', template_body: TEMPLATE, template_delete: 'delete' },
  });
  await slack.until(() => listed(blocksOf(slack.home('U0ADA')!)).length === 1, 'the Home tab without it');
  expect(listed(blocksOf(slack.home('U0ADA')!))).toEqual(['*Long letter*']);
  expect(slack.views('U0ADA').filter((v) => v.view.callback_id === 'scribe_template_edit')).toHaveLength(0);
}, 60_000);

it('the form has Who exactly? beside the saved templates: after a pick errors land on the picked field; who and Save as go along', async () => {
  const { slack, driver } = e2e;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  const form = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_draft'),
    'the form',
  );
  const [long] = blocksOf(form).find((b) => b.block_id === 'pick_template')!.elements![0]!.options!;
  const pick = await driver.clickViewButton({ user: 'U0ADA', actionId: 'scribe_template_pick', selected: long!.value });
  await handled(pick.triggerId);
  const field = `template.${long!.value}`;
  expect(
    blocksOf(slack.views('U0ADA').at(-1)!)
      .filter((b) => b.type === 'input')
      .map((b) => b.block_id),
  ).toEqual([
    field,
    'recipient_name',
    'recipient_interest',
    'identity_hint',
    'review_research',
    'personal_line',
    'save_as',
  ]);

  const recipient = { recipient_name: RECIPIENT.recipientName, recipient_interest: RECIPIENT.recipientInterest };
  const bad = await driver.submitView({
    user: 'U0ADA',
    values: { [field]: 'Too short', ...recipient, identity_hint: '0000-0002-1825-0096', save_as: 'Who and all' },
  });
  expect(bad.body).toEqual({
    response_action: 'errors',
    errors: { [field]: expect.stringContaining('at least 20'), identity_hint: expect.stringContaining('mistyped') },
  });

  const orcid = '0000-0002-1825-0097';
  const body = `${TEMPLATE}\n\nP.S. Who and all.`;
  await driver.submitView({
    user: 'U0ADA',
    values: { [field]: body, ...recipient, identity_hint: `MIT, ${orcid}`, save_as: 'Who and all' },
  });
  await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes('“Who and all”')),
    'the confirmation',
  );
  // Saved first (after the ack), then started: wait for the generation.
  const newest = async () =>
    (
      await e2e.db.pool.query<{ template: string; identity_hint: unknown }>(
        'SELECT template, identity_hint FROM generations ORDER BY created_at DESC LIMIT 1',
      )
    ).rows[0];
  await expect.poll(async () => (await newest())?.template, { timeout: 15_000 }).toBe(body);
  expect((await newest())?.identity_hint).toEqual({ affiliation: 'MIT', orcid });
  const named = await e2e.db.pool.query<{ name: string }>(
    'SELECT name FROM templates WHERE name IS NOT NULL ORDER BY name',
  );
  expect(named.rows.map((r) => r.name)).toEqual(['Long letter', 'Who and all']);
}, 60_000);
