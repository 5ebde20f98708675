/**
 * How the fake shows stored things: messages in the Web API's JSON shape, views as `views.open`
 * answers them, and the visible text of Block Kit (what a person reads) for assertions.
 */
import type { SlackState, StoredMessage, StoredView } from './state.ts';

/** A message in the Web API's shape (`chat.postMessage`'s `message`, `conversations.replies`). */
export function apiMessage(state: SlackState, m: StoredMessage, includeMetadata = true): Record<string, unknown> {
  const fromBot = m.botId !== undefined;
  const replies = m.threadTs === m.ts ? state.list(m.channel, m.ts).slice(1) : [];
  const last = replies.at(-1);
  return {
    type: 'message',
    user: m.user,
    text: m.text,
    ts: m.ts,
    team: state.team.id,
    ...(fromBot
      ? {
          bot_id: m.botId,
          app_id: state.bot.appId,
          bot_profile: {
            id: state.bot.botId,
            app_id: state.bot.appId,
            name: state.bot.name,
            deleted: false,
            icons: { image_48: 'https://a.slack-edge.com/80588/img/plugins/app/bot_48.png' },
            updated: 1700000000,
            team_id: state.team.id,
          },
        }
      : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs !== undefined ? { thread_ts: m.threadTs } : {}),
    ...(m.threadTs !== undefined && m.threadTs !== m.ts
      ? { parent_user_id: state.find(m.channel, m.threadTs)?.user }
      : {}),
    ...(replies.length > 0 && last
      ? {
          reply_count: replies.length,
          reply_users_count: new Set(replies.map((r) => r.user)).size,
          reply_users: [...new Set(replies.map((r) => r.user))],
          latest_reply: last.ts,
          is_locked: false,
          subscribed: false,
        }
      : {}),
    ...(m.edited ? { edited: m.edited } : {}),
    ...(m.reactions.length > 0
      ? { reactions: m.reactions.map((r) => ({ name: r.name, users: r.users, count: r.users.length })) }
      : {}),
    ...(includeMetadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}

/** A view in the shape `views.open` / `views.update` answer and interaction payloads carry. */
export function apiView(
  state: SlackState,
  v: StoredView,
  values: Record<string, unknown> = {},
): Record<string, unknown> {
  const { blocks, ...rest } = v.view;
  return {
    id: v.id,
    team_id: state.team.id,
    type: 'modal',
    private_metadata: '',
    callback_id: '',
    external_id: '',
    clear_on_close: false,
    notify_on_close: false,
    ...rest,
    blocks,
    state: { values },
    hash: v.hash,
    root_view_id: v.rootViewId,
    previous_view_id: null,
    app_id: state.bot.appId,
    app_installed_team_id: state.team.id,
    bot_id: state.bot.botId,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string[] {
  if (!isRecord(value)) return [];
  if (typeof value.text === 'string') return [value.text];
  return textOf(value.text);
}

/**
 * The text a person reads in `blocks`: section text and fields, headers, context, markdown and
 * button labels, one line per piece. Falls back to `text` without blocks (as Slack does).
 */
export function visibleText(blocks: unknown[] | undefined, text = ''): string {
  if (!blocks || blocks.length === 0) return text;
  const lines: string[] = [];
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    if (block.type === 'markdown' && typeof block.text === 'string') lines.push(block.text);
    else lines.push(...textOf(block.text));
    for (const key of ['fields', 'elements'] as const) {
      const list = block[key];
      if (Array.isArray(list)) for (const item of list) lines.push(...textOf(item));
    }
    if (isRecord(block.accessory)) lines.push(...textOf(block.accessory.text));
  }
  return lines.join('\n');
}
