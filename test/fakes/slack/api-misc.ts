/**
 * Identity, people, modals and Socket Mode: `auth.test`, `users.info`, `views.open`,
 * `views.update`, `views.publish`, `apps.connections.open`. Trigger ids are single-use and short-lived as in Slack
 * (`exchanged_trigger_id`, `expired_trigger_id`), so "open the modal before anything slow" is tested.
 */
import { z } from 'zod';
import { jsonArg, parseArgs, requireString, SlackApiError, type MethodContext, type MethodDef } from './api.ts';
import { slackErrorLines, viewSchema } from './blocks.ts';
import { apiView } from './format.ts';
import { hex, slackId } from './ids.ts';
import type { StoredView } from './state.ts';

function authTest({ state }: MethodContext): Record<string, unknown> {
  return {
    url: `https://${state.team.domain}.slack.com/`,
    team: state.team.name,
    user: state.bot.name,
    team_id: state.team.id,
    user_id: state.bot.userId,
    bot_id: state.bot.botId,
    is_enterprise_install: false,
  };
}

function usersInfo({ state, args }: MethodContext): Record<string, unknown> {
  const user = state.users.get(requireString(args, 'user', 'user_not_found'));
  if (!user) throw new SlackApiError('user_not_found');
  const profile = {
    real_name: user.realName,
    display_name: user.name,
    real_name_normalized: user.realName,
    display_name_normalized: user.name,
    team: state.team.id,
    image_48: 'https://secure.gravatar.com/avatar/00000000000000000000000000000000.jpg?s=48',
    ...(user.isBot ? { bot_id: state.bot.botId } : {}),
  };
  return {
    user: {
      id: user.id,
      team_id: state.team.id,
      name: user.name,
      deleted: false,
      color: '9f69e7',
      real_name: user.realName,
      tz: 'Europe/London',
      tz_label: 'Greenwich Mean Time',
      tz_offset: 0,
      profile,
      is_admin: user.isAdmin,
      is_owner: user.isOwner,
      is_primary_owner: user.isOwner,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: user.isBot,
      is_app_user: false,
      updated: 1700000000,
      is_email_confirmed: !user.isBot,
      who_can_share_contact_card: 'EVERYONE',
    },
  };
}

const viewArgs = z.looseObject({ view: jsonArg(z.record(z.string(), z.unknown())) });

/** A view argument, validated against Slack's limits (`invalid_arguments` with pointers otherwise). */
function checkedView(args: Record<string, unknown>): StoredView['view'] {
  const raw = parseArgs(viewArgs, args).view;
  const result = viewSchema.safeParse(raw);
  if (!result.success) {
    const messages = slackErrorLines(result.error, '/view').map((e) => `[ERROR] ${e}`);
    throw new SlackApiError('invalid_arguments', { response_metadata: { messages } });
  }
  return { ...raw, blocks: result.data.blocks };
}

const newHash = (): string => `${Math.floor(Date.now() / 1000)}.${hex(4)}`;

function viewsOpen({ state, args }: MethodContext): Record<string, unknown> {
  const trigger =
    typeof args.trigger_id === 'string'
      ? args.trigger_id
      : requireString(args, 'interactivity_pointer', 'invalid_arguments');
  const view = checkedView(args);
  const used = state.useTrigger(trigger);
  if ('error' in used) throw new SlackApiError(used.error);
  const id = slackId('V');
  const stored: StoredView = { id, user: used.user, view, hash: newHash(), rootViewId: id, state: 'open' };
  state.views.set(id, stored);
  state.changed();
  return { view: apiView(state, stored) };
}

function viewsUpdate({ state, args }: MethodContext): Record<string, unknown> {
  const byId = typeof args.view_id === 'string' ? state.views.get(args.view_id) : undefined;
  const stored =
    byId ??
    [...state.views.values()].find((v) => args.external_id !== undefined && v.view.external_id === args.external_id);
  if (!stored || stored.state === 'closed') throw new SlackApiError('not_found');
  if (typeof args.hash === 'string' && args.hash !== stored.hash) throw new SlackApiError('hash_conflict');
  stored.view = checkedView(args);
  stored.hash = newHash();
  delete stored.errors;
  state.changed();
  return { view: apiView(state, stored) };
}

/**
 * `views.publish`: the person's Home tab, one per person (published again, it is replaced; the id
 * stays). Only a `home` view is taken, as Slack does; a `hash` that is not the current one is
 * `hash_conflict`.
 */
function viewsPublish({ state, args }: MethodContext): Record<string, unknown> {
  const user = requireString(args, 'user_id', 'invalid_arguments');
  if (!state.users.has(user)) throw new SlackApiError('user_not_found');
  const view = checkedView(args);
  if (view.type !== 'home') throw new SlackApiError('invalid_arguments');
  const existing = [...state.views.values()].find((v) => v.user === user && v.view.type === 'home');
  if (existing && typeof args.hash === 'string' && args.hash !== existing.hash)
    throw new SlackApiError('hash_conflict');
  const id = existing?.id ?? slackId('V');
  const stored: StoredView = { id, user, view, hash: newHash(), rootViewId: id, state: 'open' };
  state.views.set(id, stored);
  state.changed();
  return { view: apiView(state, stored) };
}

function connectionsOpen({ socketUrl }: MethodContext): Record<string, unknown> {
  return { url: socketUrl() };
}

/** Identity, people, modals and Socket Mode methods, by Web API name. */
export const miscMethods: Record<string, MethodDef> = {
  'auth.test': { token: 'bot', handle: authTest },
  'users.info': { token: 'bot', handle: usersInfo },
  'views.open': { token: 'bot', handle: viewsOpen },
  'views.update': { token: 'bot', handle: viewsUpdate },
  'views.publish': { token: 'bot', handle: viewsPublish },
  'apps.connections.open': { token: 'app', handle: connectionsOpen },
};
