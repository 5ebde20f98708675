/**
 * What Slack does with the app's answers that are not Web API calls: posts to a response URL
 * (Bolt's `respond()`), the body of a slash command's ack, and a modal submission's ack
 * (`response_action: errors | update | push | clear`, or nothing: the modal closes).
 */
import { SlackApiError } from './api.ts';
import { checkedBlocks } from './api-chat.ts';
import { slackId } from './ids.ts';
import type { SlackState } from './state.ts';

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function content(body: Record<string, unknown>): { text: string; blocks?: unknown[] } {
  const blocks = checkedBlocks(Array.isArray(body.blocks) ? body.blocks : undefined);
  return { text: typeof body.text === 'string' ? body.text : '', ...(blocks ? { blocks } : {}) };
}

/**
 * A post to a response URL: up to 5 uses within 30 minutes (then 404 `used_url` / `expired_url`).
 * `delete_original` / `replace_original` act on the message a button was on; `response_type:
 * in_channel` posts in the channel; anything else is ephemeral to the person who acted.
 */
export function handleResponseUrl(
  state: SlackState,
  path: string,
  body: Record<string, unknown>,
): { status: number; body: unknown } {
  const target = state.responseUrls.get(path);
  if (!target) return { status: 404, body: 'invalid_url' };
  if (Date.now() - target.issuedAt > RESPONSE_URL_TTL_MS) return { status: 404, body: 'expired_url' };
  if (target.uses >= RESPONSE_URL_USES) return { status: 404, body: 'used_url' };
  target.uses += 1;
  const original = target.messageTs ? state.find(target.channel, target.messageTs) : undefined;
  try {
    if (body.delete_original === true || body.delete_original === 'true') {
      if (original) original.deleted = true;
      state.changed();
      return { status: 200, body: { ok: true } };
    }
    const message = content(body);
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    if ((body.replace_original === true || body.replace_original === 'true') && original) {
      state.edit(original, message, state.bot.userId);
    } else if (body.response_type === 'in_channel') {
      state.post({
        channel: target.channel,
        user: state.bot.userId,
        botId: state.bot.botId,
        ...message,
        ...(threadTs ? { threadTs } : {}),
      });
    } else {
      state.addEphemeral({
        channel: target.channel,
        user: target.user,
        via: 'response_url',
        ...message,
        ...(threadTs ? { threadTs } : {}),
      });
    }
    return { status: 200, body: { ok: true } };
  } catch (error) {
    if (error instanceof SlackApiError) return { status: 400, body: { ok: false, error: error.error, ...error.extra } };
    throw error;
  }
}

/** A slash command's ack body, shown as Slack shows it: ephemeral unless `response_type: in_channel`. */
export function applyCommandAck(state: SlackState, where: { channel: string; user: string }, body: unknown): void {
  if (body === undefined || body === '' || (isRecord(body) && Object.keys(body).length === 0)) return;
  const message = typeof body === 'string' ? { text: body } : isRecord(body) ? content(body) : { text: String(body) };
  if (isRecord(body) && body.response_type === 'in_channel') {
    state.post({ channel: where.channel, user: state.bot.userId, botId: state.bot.botId, ...message });
  } else {
    state.addEphemeral({ channel: where.channel, user: where.user, via: 'ack', ...message });
  }
}

/** A view_submission's ack: errors stay on the open modal; update/push replace or stack; else it closes. */
export function applyViewAck(state: SlackState, viewId: string, body: unknown): void {
  const view = state.views.get(viewId);
  if (!view) return;
  const action = isRecord(body) ? body.response_action : undefined;
  if (action === 'errors' && isRecord(body) && isRecord(body.errors)) {
    view.errors = Object.fromEntries(Object.entries(body.errors).map(([k, v]) => [k, String(v)]));
  } else if ((action === 'update' || action === 'push') && isRecord(body) && isRecord(body.view)) {
    const next = { ...body.view, blocks: Array.isArray(body.view.blocks) ? body.view.blocks : [] };
    if (action === 'update') {
      view.view = next;
      delete view.errors;
    } else {
      const id = slackId('V');
      state.views.set(id, {
        id,
        user: view.user,
        view: next,
        hash: view.hash,
        rootViewId: view.rootViewId,
        state: 'open',
      });
    }
  } else if (action === 'clear') {
    for (const v of state.views.values()) if (v.rootViewId === view.rootViewId) v.state = 'closed';
  } else {
    view.state = 'closed';
  }
  state.changed();
}
