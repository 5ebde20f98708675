/**
 * Saved templates on Slack (issue 23, item 4): the `/scribe` form's pick (a select answered with
 * `views.update`), the template manager (`/scribe templates`: a modal listing them, each with Edit,
 * and an edit form that renames, changes or deletes one, or saves a new one, in two parts when it
 * is longer than Slack's 3,000-character field), and the App Home tab listing them. The rules are
 * src/requests/templates.ts; this file parses, calls and words.
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';
import {
  joinTemplateParts,
  listTemplates,
  type NamedTemplate,
  type NamedTemplateEntry,
  readTemplate,
  removeTemplate,
  saveTemplateAs,
  splitTemplateForInputs,
  TEMPLATE_NAME_MAX,
} from '../../requests/templates.ts';
import type { UserIdentity } from '../../requests/types.ts';
import { BEFORE_ACK_DEADLINE_MS, within } from '../shared/form-prefill.ts';
import {
  longTemplateHint,
  TEMPLATE_GONE,
  templateDeletedText,
  templateSavedText,
  templatesHeading,
} from '../shared/templates.ts';
import { slackErrorCode } from './client.ts';
import type { SlackBotDeps } from './deps.ts';
import type { Ack, ViewAck } from './handlers.ts';
import { INPUT_ACTION_ID, REVIEW_INPUT, REVIEW_OPTION, TEMPLATE_IDS } from './ids.ts';
import { input, inputValueOf, type ModalMetadata, metadataOf, noticeModal, renderDraftModal } from './modal.ts';

/** Slack's limit on a plain-text input's value. */
const FIELD_MAX = 3_000;
const count = (n: number) => n.toLocaleString('en-US');

const UserSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
});

function identityOf(body: z.infer<typeof UserSchema>): UserIdentity {
  return {
    platform: 'slack',
    teamId: body.team?.id ?? body.user.team_id ?? '',
    platformUserId: body.user.id,
    displayName: body.user.name ?? null,
  };
}

/** One section per template: its name and length, with an Edit button. */
function templateSections(templates: readonly NamedTemplateEntry[]): types.KnownBlock[] {
  return templates.map((t) => ({
    type: 'section',
    block_id: `template_row_${t.id}`,
    text: { type: 'mrkdwn', text: `*${escapeMrkdwn(t.name)}*\n${count(t.length)} characters` },
    accessory: {
      type: 'button',
      action_id: `${TEMPLATE_IDS.editPrefix}${t.id}`,
      text: { type: 'plain_text', text: 'Edit' },
      value: t.id,
    },
  }));
}

const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function managerBlocks(templates: readonly NamedTemplateEntry[], note?: string): types.KnownBlock[] {
  return [
    ...(note
      ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: `:white_check_mark: ${note}` } }]
      : []),
    { type: 'section', text: { type: 'mrkdwn', text: templatesHeading(templates.length) } },
    ...templateSections(templates),
    {
      type: 'actions',
      block_id: 'template_new',
      elements: [
        {
          type: 'button',
          action_id: TEMPLATE_IDS.newButton,
          text: { type: 'plain_text', text: 'New template' },
          style: 'primary',
        },
      ],
    },
  ];
}

/** The manager: the person's templates, each with Edit, and New template; `note` says what was just done. */
export function renderTemplatesModal(
  metadata: ModalMetadata,
  templates: readonly NamedTemplateEntry[],
  note?: string,
): types.ModalView {
  return {
    type: 'modal',
    callback_id: TEMPLATE_IDS.managerModal,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Your templates' },
    close: { type: 'plain_text', text: 'Done' },
    blocks: managerBlocks(templates, note),
  };
}

/** The App Home tab: the same list, its buttons open the edit form. */
export function renderHome(templates: readonly NamedTemplateEntry[]): types.HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Scribe' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Run `/scribe` in a channel to write an email; `/scribe templates` manages your templates.',
        },
      },
      { type: 'divider' },
      ...managerBlocks(templates),
    ],
  };
}

/** The edit form's metadata: where the manager was opened, and the template edited (none: a new one). */
const EditMetadataSchema = z.object({
  channel: z.string().optional(),
  responseUrl: z.url().optional(),
  templateId: z.uuid().optional(),
  /** Opened from the Home tab: saving closes the form and refreshes the tab. */
  home: z.boolean().optional(),
});
type EditMetadata = z.infer<typeof EditMetadataSchema>;

/** The form that saves a new template or edits one (name, the body in up to two parts, delete). */
export function renderTemplateEditModal(metadata: EditMetadata, template?: NamedTemplate): types.ModalView {
  const parts = template ? (splitTemplateForInputs(template.body, FIELD_MAX, 2) ?? [template.body]) : [];
  return {
    type: 'modal',
    callback_id: TEMPLATE_IDS.editModal,
    private_metadata: JSON.stringify({ ...metadata, templateId: template?.id }),
    title: { type: 'plain_text', text: template ? 'Edit template' : 'New template' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input(TEMPLATE_IDS.name, 'Name', {
        max: TEMPLATE_NAME_MAX,
        placeholder: 'Lab application',
        ...(template ? { initial: template.name } : {}),
      }),
      input(TEMPLATE_IDS.body, 'Template', {
        multiline: true,
        max: FIELD_MAX,
        placeholder: 'Dear {name},\n\nI read your work on {topic}…',
        ...(parts[0] ? { initial: parts[0] } : {}),
      }),
      input(TEMPLATE_IDS.more, 'Template (continued)', {
        multiline: true,
        max: FIELD_MAX,
        optional: true,
        hint: longTemplateHint(FIELD_MAX),
        ...(parts[1] ? { initial: parts[1] } : {}),
      }),
      ...(template
        ? [
            {
              type: 'input' as const,
              block_id: TEMPLATE_IDS.remove,
              optional: true,
              label: { type: 'plain_text' as const, text: 'Delete' },
              element: {
                type: 'checkboxes' as const,
                action_id: INPUT_ACTION_ID,
                options: [{ text: { type: 'plain_text' as const, text: 'Delete this template' }, value: 'delete' }],
              },
            },
          ]
        : []),
    ],
  };
}

/** `/scribe templates`: the manager, listing the saved templates (loaded within the trigger's life). */
export async function openTemplatesModal(
  deps: SlackBotDeps,
  place: ModalMetadata & { triggerId: string },
  user: UserIdentity,
): Promise<string> {
  const templates = await within(
    deps.logger,
    listTemplates(deps.pool, user),
    BEFORE_ACK_DEADLINE_MS,
    'list the templates',
  );
  await deps.client.views.open({
    trigger_id: place.triggerId,
    view: renderTemplatesModal({ channel: place.channel, responseUrl: place.responseUrl }, templates ?? []),
  });
  return 'templates:list';
}

const ViewActionSchema = UserSchema.extend({
  trigger_id: z.string().optional(),
  view: z.looseObject({
    id: z.string().min(1),
    type: z.string(),
    hash: z.string().optional(),
    private_metadata: z.string().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.unknown()) }).optional(),
  }),
  actions: z
    .array(
      z.looseObject({
        action_id: z.string(),
        value: z.string().optional(),
        selected_option: z.looseObject({ value: z.string() }).nullish(),
      }),
    )
    .min(1),
});

/** Replaces the open modal (with its hash: a view changed since is left as it is). */
async function update(deps: SlackBotDeps, view: { id: string; hash?: string | undefined }, next: types.ModalView) {
  try {
    await deps.client.views.update({ view_id: view.id, ...(view.hash ? { hash: view.hash } : {}), view: next });
    return true;
  } catch (err) {
    if (slackErrorCode(err) === 'hash_conflict') return false;
    throw err;
  }
}

/** Edit (one template) or New template, in the manager or the Home tab: the edit form. */
export async function handleTemplateEditButton(deps: SlackBotDeps, args: { body: unknown; ack: Ack }): Promise<string> {
  await args.ack();
  const body = ViewActionSchema.parse(args.body);
  const identity = identityOf(body);
  const action = body.actions[0]!;
  const home = body.view.type === 'home';
  const metadata: EditMetadata = home ? { home: true } : { ...(metadataOf(body.view.private_metadata ?? '') ?? {}) };
  let template: NamedTemplate | undefined;
  if (action.action_id !== TEMPLATE_IDS.newButton) {
    template = await readTemplate(deps.pool, identity, action.value ?? '');
    if (!template) {
      if (!home)
        await update(
          deps,
          body.view,
          renderTemplatesModal(toModalMetadata(metadata), await listTemplates(deps.pool, identity), TEMPLATE_GONE),
        );
      return 'templates:gone';
    }
  }
  const view = renderTemplateEditModal(metadata, template);
  if (home) {
    if (!body.trigger_id) return 'templates:no-trigger';
    await deps.client.views.open({ trigger_id: body.trigger_id, view });
  } else if (!(await update(deps, body.view, view))) return 'templates:stale';
  return template ? 'templates:edit' : 'templates:new';
}

const toModalMetadata = (m: EditMetadata): ModalMetadata => ({
  channel: m.channel ?? '',
  ...(m.responseUrl ? { responseUrl: m.responseUrl } : {}),
});

const inputValue = inputValueOf();
const EditSubmissionSchema = UserSchema.extend({
  view: z.looseObject({
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject({
        [TEMPLATE_IDS.name]: inputValue,
        [TEMPLATE_IDS.body]: inputValue,
        [TEMPLATE_IDS.more]: inputValue,
        [TEMPLATE_IDS.remove]: z
          .looseObject({
            [INPUT_ACTION_ID]: z
              .looseObject({ selected_options: z.array(z.looseObject({ value: z.string() })).nullish() })
              .optional(),
          })
          .optional(),
      }),
    }),
  }),
});

/** The edit form was sent: delete, or save (errors on the fields), then the list again with what was done. */
export async function handleTemplateEditSubmission(
  deps: SlackBotDeps,
  args: { body: unknown; ack: ViewAck },
): Promise<string> {
  const submission = EditSubmissionSchema.parse(args.body);
  const identity = identityOf(submission);
  const values = submission.view.state.values;
  let metadata: EditMetadata = {};
  try {
    metadata = EditMetadataSchema.parse(JSON.parse(submission.view.private_metadata));
  } catch {
    await args.ack({
      response_action: 'update',
      view: noticeModal('Form out of date', 'Run `/scribe templates` again.'),
    });
    return 'stale';
  }
  const remove = (values[TEMPLATE_IDS.remove]?.[INPUT_ACTION_ID]?.selected_options ?? []).length > 0;
  let note: string;
  let outcome: string;
  if (remove && metadata.templateId) {
    const name = await removeTemplate(deps.pool, identity, metadata.templateId);
    note = name ? templateDeletedText(name) : TEMPLATE_GONE;
    outcome = name ? 'templates:deleted' : 'templates:gone';
    if (name) deps.logger.info({ event: 'template.deleted' }, 'template deleted');
  } else {
    const saved = await saveTemplateAs(deps.pool, identity, {
      name: values[TEMPLATE_IDS.name],
      body: joinTemplateParts([values[TEMPLATE_IDS.body], values[TEMPLATE_IDS.more]]),
      replacing: metadata.templateId,
    });
    if (!saved.ok) {
      const errors: Record<string, string> = {};
      if (saved.errors.name) errors[TEMPLATE_IDS.name] = saved.errors.name;
      if (saved.errors.body) errors[TEMPLATE_IDS.body] = saved.errors.body;
      await args.ack({ response_action: 'errors', errors });
      return 'templates:invalid';
    }
    deps.logger.info({ event: 'template.saved', via: 'manager', length: saved.template.length }, 'template saved');
    note = templateSavedText(saved.template.name, saved.replacedName);
    outcome = 'templates:saved';
  }
  if (metadata.home) {
    await args.ack();
    await publishHome(deps, identity);
  } else {
    const templates = await listTemplates(deps.pool, identity);
    await args.ack({
      response_action: 'update',
      view: renderTemplatesModal(toModalMetadata(metadata), templates, note),
    });
  }
  return outcome;
}

/** Publishes the person's Home tab with their templates. */
async function publishHome(deps: SlackBotDeps, identity: UserIdentity): Promise<void> {
  const templates = await listTemplates(deps.pool, identity);
  await deps.client.views.publish({ user_id: identity.platformUserId, view: renderHome(templates) });
}

const HomeOpenedSchema = z.looseObject({
  team_id: z.string().min(1),
  event: z.looseObject({ type: z.literal('app_home_opened'), user: z.string().min(1), tab: z.string().optional() }),
});

/** `app_home_opened`: the Home tab, listing the person's templates (the Messages tab needs nothing). */
export async function handleAppHomeOpened(deps: SlackBotDeps, args: { body: unknown }): Promise<string> {
  const body = HomeOpenedSchema.parse(args.body);
  if (body.event.tab !== undefined && body.event.tab !== 'home') return 'home:messages';
  await publishHome(deps, {
    platform: 'slack',
    teamId: body.team_id,
    platformUserId: body.event.user,
    displayName: null,
  });
  return 'home:published';
}

const PickSchema = ViewActionSchema.extend({
  view: z.looseObject({
    id: z.string().min(1),
    hash: z.string().optional(),
    private_metadata: z.string(),
    state: z.looseObject({ values: z.record(z.string(), z.unknown()) }),
  }),
});

/** A saved template was chosen in the `/scribe` form: the same form, its template field filled with it. */
export async function handleTemplatePick(deps: SlackBotDeps, args: { body: unknown; ack: Ack }): Promise<string> {
  await args.ack();
  const body = PickSchema.parse(args.body);
  const identity = identityOf(body);
  const metadata = metadataOf(body.view.private_metadata);
  const chosen = body.actions[0]?.selected_option?.value;
  if (!metadata || !chosen) return 'pick:ignored';
  const [template, templates] = [
    await readTemplate(deps.pool, identity, chosen),
    await listTemplates(deps.pool, identity),
  ];
  const review = reviewTicked(body.view.state.values[REVIEW_INPUT]);
  const view = renderDraftModal(metadata, undefined, review, {
    templates,
    ...(template ? { picked: { id: template.id, name: template.name, body: template.body } } : {}),
  });
  if (!(await update(deps, body.view, view))) return 'pick:stale';
  deps.logger.info({ event: 'template.picked', length: template?.length }, 'saved template picked in the form');
  return template ? 'pick:filled' : 'pick:gone';
}

const reviewTicked = (state: unknown): boolean => {
  const parsed = z
    .looseObject({
      [INPUT_ACTION_ID]: z.looseObject({ selected_options: z.array(z.looseObject({ value: z.string() })).nullish() }),
    })
    .safeParse(state);
  return parsed.success && (parsed.data[INPUT_ACTION_ID].selected_options ?? []).some((o) => o.value === REVIEW_OPTION);
};
