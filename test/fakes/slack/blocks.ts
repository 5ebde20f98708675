/**
 * Block Kit limits the real Slack enforces, so a test fails here when production would fail there.
 * Slack answers a bad message with `invalid_blocks` and a bad view with `invalid_arguments`, each
 * with messages like `[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 *
 * Objects are loose (unknown keys pass) so that a correct block is never refused for a field this
 * fake does not know; the limits checked are those that bite a bot writing long text:
 * section text ≤ 3,000, fields ≤ 10 × 2,000, header ≤ 150, button text ≤ 75 and value ≤ 2,000,
 * ≤ 50 blocks per message and 100 per view, unique block ids, input values ≤ 3,000, a modal title,
 * submit and close ≤ 24, private_metadata ≤ 3,000. A `context_actions` block holds 1–5 elements,
 * each a `feedback_buttons` (a `positive_button` and a `negative_button`, each with plain `text`
 * ≤ 75, a `value` ≤ 2,000 and an optional `accessibility_label` ≤ 75) or an `icon_button` (`icon`,
 * plain `text`); any other element there is refused.
 */
import { z } from 'zod';

const plain = (max: number) =>
  z.looseObject({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) => z.looseObject({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max) });
const textObject = (max: number) => z.discriminatedUnion('type', [plain(max), mrkdwn(max)]);
const actionId = z.string().min(1).max(255).optional();
const blockId = z.string().min(1).max(255).optional();

const button = z.looseObject({
  type: z.literal('button'),
  text: plain(75),
  action_id: actionId,
  value: z.string().max(2000).optional(),
  url: z.string().max(3000).optional(),
  style: z.enum(['primary', 'danger']).optional(),
});
const plainTextInput = z.looseObject({
  type: z.literal('plain_text_input'),
  action_id: actionId,
  initial_value: z.string().max(3000).optional(),
  multiline: z.boolean().optional(),
  min_length: z.number().int().min(0).max(3000).optional(),
  max_length: z.number().int().min(1).max(3000).optional(),
  placeholder: plain(150).optional(),
});
const OTHER_ELEMENTS = [
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'image',
  'multi_static_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'multi_external_select',
  'number_input',
  'overflow',
  'radio_buttons',
  'rich_text_input',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'timepicker',
  'url_text_input',
  'file_input',
  'workflow_button',
] as const;
const otherElement = z.looseObject({ type: z.enum(OTHER_ELEMENTS), action_id: actionId });
const element = z.discriminatedUnion('type', [button, plainTextInput, otherElement]);

/** One button of a `feedback_buttons` element: both fields required, as Slack says. */
const feedbackButton = z.looseObject({
  text: plain(75),
  value: z.string().min(1).max(2000),
  accessibility_label: z.string().min(1).max(75).optional(),
});
const feedbackButtons = z.looseObject({
  type: z.literal('feedback_buttons'),
  action_id: actionId,
  positive_button: feedbackButton,
  negative_button: feedbackButton,
});
const iconButton = z.looseObject({
  type: z.literal('icon_button'),
  icon: z.string().min(1),
  text: plain(75),
  action_id: actionId,
  value: z.string().max(2000).optional(),
  accessibility_label: z.string().min(1).max(75).optional(),
  visible_to_user_ids: z.array(z.string()).optional(),
});
/** What a `context_actions` block may hold: nothing but these two. */
const contextActionsElement = z.discriminatedUnion('type', [feedbackButtons, iconButton]);

const uniqueActionIds = (elements: Array<{ action_id?: string | undefined }>, ctx: z.RefinementCtx): void => {
  const seen = new Set<string>();
  elements.forEach((e, i) => {
    if (e.action_id === undefined) return;
    if (seen.has(e.action_id))
      ctx.addIssue({ code: 'custom', message: 'action_id must be unique in the block', path: [i, 'action_id'] });
    seen.add(e.action_id);
  });
};

const block = z.discriminatedUnion('type', [
  z
    .looseObject({
      type: z.literal('section'),
      block_id: blockId,
      text: textObject(3000).optional(),
      fields: z.array(textObject(2000)).min(1).max(10).optional(),
      accessory: element.optional(),
      expand: z.boolean().optional(),
    })
    .refine((b) => b.text !== undefined || b.fields !== undefined, { message: 'must provide text or fields' }),
  z.looseObject({ type: z.literal('header'), block_id: blockId, text: plain(150) }),
  z.looseObject({ type: z.literal('divider'), block_id: blockId }),
  z.looseObject({
    type: z.literal('context'),
    block_id: blockId,
    elements: z
      .array(z.union([textObject(3000), z.looseObject({ type: z.literal('image') })]))
      .min(1)
      .max(10),
  }),
  z.looseObject({
    type: z.literal('actions'),
    block_id: blockId,
    elements: z.array(element).min(1).max(25).superRefine(uniqueActionIds),
  }),
  z.looseObject({
    type: z.literal('input'),
    block_id: blockId,
    label: plain(2000),
    element,
    hint: plain(2000).optional(),
    optional: z.boolean().optional(),
    dispatch_action: z.boolean().optional(),
  }),
  z.looseObject({ type: z.literal('markdown'), block_id: blockId, text: z.string().min(1).max(12000) }),
  z.looseObject({
    type: z.literal('context_actions'),
    block_id: blockId,
    elements: z.array(contextActionsElement).min(1).max(5).superRefine(uniqueActionIds),
  }),
  z.looseObject({
    type: z.enum(['image', 'rich_text', 'video', 'file', 'call', 'table']),
    block_id: blockId,
  }),
]);

const blockList = (max: number) =>
  z
    .array(block)
    .max(max)
    .superRefine((blocks, ctx) => {
      const seen = new Set<string>();
      blocks.forEach((b, i) => {
        if (b.block_id === undefined) return;
        if (seen.has(b.block_id))
          ctx.addIssue({ code: 'custom', message: 'block_id must be unique', path: [i, 'block_id'] });
        seen.add(b.block_id);
      });
    });

/** Blocks of a message (chat.postMessage, chat.update, chat.postEphemeral, response_url). */
export const messageBlocksSchema = blockList(50);

/** A modal or Home tab as views.open / views.update take it. */
export const viewSchema = z
  .looseObject({
    type: z.enum(['modal', 'home']),
    title: plain(24).optional(),
    submit: plain(24).optional(),
    close: plain(24).optional(),
    blocks: blockList(100),
    private_metadata: z.string().max(3000).optional(),
    callback_id: z.string().max(255).optional(),
    external_id: z.string().max(255).optional(),
    clear_on_close: z.boolean().optional(),
    notify_on_close: z.boolean().optional(),
  })
  .superRefine((view, ctx) => {
    if (view.type !== 'modal') return;
    if (view.title === undefined) ctx.addIssue({ code: 'custom', message: 'must provide a title', path: ['title'] });
    const hasInput = view.blocks.some((b) => b.type === 'input');
    if (hasInput && view.submit === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must provide submit text when input blocks are present',
        path: ['submit'],
      });
    }
  });

/** A validated view, as stored by the fake. */
export type ViewInput = z.infer<typeof viewSchema>;

/** Turns zod issues into Slack's error lines, with a JSON pointer below `root` (e.g. `/blocks`). */
export function slackErrorLines(error: z.ZodError, root: string): string[] {
  return error.issues.map((issue) => {
    const pointer = `${root}${issue.path.map((p) => `/${String(p)}`).join('')}`;
    let message: string;
    switch (issue.code) {
      case 'too_big':
        message =
          issue.origin === 'string'
            ? `must be less than ${Number(issue.maximum) + 1} characters`
            : `must contain no more than ${String(issue.maximum)} items`;
        break;
      case 'too_small':
        message =
          issue.origin === 'string'
            ? `must be more than ${Number(issue.minimum) - 1} characters`
            : `must contain at least ${String(issue.minimum)} items`;
        break;
      case 'invalid_union':
      case 'invalid_value':
        message = 'failed to match all allowed schemas';
        break;
      case 'invalid_type':
        message = `must provide ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
        break;
      default:
        message = issue.message;
    }
    return `${message} [json-pointer:${pointer}]`;
  });
}
