/**
 * The payloads Slack sends an app when people act, built from the fake workspace so they agree
 * with it: a slash command (form fields), a modal submission (values taken from the modal the app
 * opened, keyed by block id), a button press on a stored message or inside an open modal, a reaction (an Events API
 * `event_callback`) and `url_verification`. Each act hands out what Slack would: trigger ids and
 * response URLs that the fake then honours.
 */
import { randomUUID } from 'node:crypto';
import { apiMessage, apiView } from './format.ts';
import { slackId } from './ids.ts';
import type { SlackState, StoredView } from './state.ts';

/** A person's act in a channel. Defaults: `U0ADA` in `C0GENERAL`. */
export interface ActorInput {
  user?: string;
  channel?: string;
}

/** `/scribe some text`. */
export interface CommandInput extends ActorInput {
  command?: string;
  text?: string;
}

/** Submitting the modal `viewId` (default: the person's newest open one). */
export interface SubmitInput {
  user?: string;
  viewId?: string;
  /** Value per input block id (`{ template: '…', recipient_name: 'Ada' }`); unset inputs are null. */
  values: Record<string, string>;
}

/** Pressing the button `actionId` on the message at channel + ts. */
export interface ClickInput extends ActorInput {
  ts: string;
  actionId: string;
  /** A `value` other than the button's, as a forged or stale payload would carry. */
  value?: string;
  /** The clicker's workspace, when not the fake's own (a payload from another workspace). */
  teamId?: string;
  /** Which button of a `feedback_buttons` element is pressed (required for one). */
  feedback?: 'positive' | 'negative';
}

/** Reacting to the message at channel + ts. */
export interface ReactInput extends ActorInput {
  ts: string;
  /** Emoji name without colons (default `repeat`). */
  reaction?: string;
  /** Reuse an event id (Slack's redelivery keeps it). */
  eventId?: string;
}

/** Pressing the button `actionId` inside the modal `viewId` (default: the person's newest open one). */
export interface ViewClickInput {
  user?: string;
  viewId?: string;
  actionId: string;
  /** For a select: the value of the option chosen (it must be one the select offers). */
  selected?: string;
  /** The element is on the person's Home tab (published with `views.publish`), not in a modal. */
  home?: boolean;
  /** What is typed in the form's inputs when the button is pressed, per input block id. */
  values?: Record<string, string>;
}

/** The deprecated verification token Slack still sends in payloads. */
export const VERIFICATION_TOKEN = 'fakeVerificationToken0001';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type FoundElement = { blockId: string; element: Record<string, unknown> };

/** The interactive element `actionId` in blocks (an actions block's elements or a section's accessory). */
function findElement(blocks: unknown[], actionId: string): FoundElement | undefined {
  let found: FoundElement | undefined;
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    const elements = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory];
    const element = elements.find((e): e is Record<string, unknown> => isRecord(e) && e.action_id === actionId);
    if (element) found = { blockId: String(block.block_id), element };
  }
  return found;
}

/**
 * The pressed element as an `actions[]` entry; `value` overrides the element's (a forged payload).
 * A `feedback_buttons` press reports the pressed button's `text` and `value` under the element's
 * action id, as Slack does.
 */
function actionOf(
  found: FoundElement,
  value: string | undefined,
  feedback?: 'positive' | 'negative',
): Record<string, unknown> {
  if (found.element.type === 'feedback_buttons') {
    if (!feedback) throw new Error('fake Slack: say which feedback button is pressed (feedback: positive | negative)');
    const pressed = found.element[`${feedback}_button`];
    if (!isRecord(pressed)) throw new Error(`fake Slack: the element has no ${feedback}_button`);
    return {
      type: 'feedback_buttons',
      action_id: found.element.action_id,
      block_id: found.blockId,
      text: pressed.text,
      value: value ?? pressed.value,
      action_ts: nowTs(),
    };
  }
  return {
    action_id: found.element.action_id,
    block_id: found.blockId,
    text: found.element.text,
    ...(value !== undefined ? { value } : found.element.value !== undefined ? { value: found.element.value } : {}),
    ...(found.element.style !== undefined ? { style: found.element.style } : {}),
    type: found.element.type,
    action_ts: nowTs(),
  };
}

/** A select's `actions[]` entry, as Slack sends it when an option is chosen: the option itself. */
function selectActionOf(found: FoundElement, value: string | undefined): Record<string, unknown> {
  const options = Array.isArray(found.element.options) ? found.element.options.filter(isRecord) : [];
  const chosen = options.find((o) => o.value === value);
  if (!chosen) throw new Error(`fake Slack: select ${String(found.element.action_id)} offers no option ${value}`);
  return {
    type: 'static_select',
    action_id: found.element.action_id,
    block_id: found.blockId,
    selected_option: chosen,
    ...(found.element.placeholder !== undefined ? { placeholder: found.element.placeholder } : {}),
    action_ts: nowTs(),
  };
}

const nowTs = (): string => {
  const micros = Date.now() * 1000;
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
};

/** Builds payloads against one workspace; `baseUrl` is where response URLs point (the fake). */
export class Payloads {
  private readonly state: SlackState;
  private readonly baseUrl: string;

  constructor(state: SlackState, baseUrl: string) {
    this.state = state;
    this.baseUrl = baseUrl;
  }

  private actor(input: ActorInput): { user: string; channel: string } {
    const user = this.state.ensureUser(input.user ?? 'U0ADA');
    const channel = input.channel ?? 'C0GENERAL';
    if (!this.state.channels.has(channel)) this.state.ensureChannel(channel);
    return { user: user.id, channel };
  }

  private userField(id: string): Record<string, unknown> {
    const user = this.state.users.get(id);
    return { id, username: user?.name ?? id, name: user?.name ?? id, team_id: this.state.team.id };
  }

  /** Slash command form fields (all strings, as Slack posts them). */
  slashCommand(input: CommandInput): { fields: Record<string, string>; triggerId: string; responseUrl: string } {
    const { user, channel } = this.actor(input);
    const triggerId = this.state.issueTrigger(user);
    const responseUrl = this.baseUrl + this.state.issueResponseUrl('commands', { channel, user });
    const fields = {
      token: VERIFICATION_TOKEN,
      team_id: this.state.team.id,
      team_domain: this.state.team.domain,
      channel_id: channel,
      channel_name: this.state.channels.get(channel)?.name ?? channel,
      user_id: user,
      user_name: this.state.users.get(user)?.name ?? user,
      command: input.command ?? '/scribe',
      text: input.text ?? '',
      api_app_id: this.state.bot.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    };
    return { fields, triggerId, responseUrl };
  }

  /** The person's open modal `viewId`, or their newest open one. */
  private openView(user: string, viewId: string | undefined): StoredView {
    const stored = viewId
      ? this.state.views.get(viewId)
      : [...this.state.views.values()]
          .reverse()
          .find((v) => v.user === user && v.state === 'open' && v.view.type !== 'home');
    if (stored?.state !== 'open') throw new Error(`fake Slack: ${user} has no open modal ${viewId ?? ''}`);
    return stored;
  }

  /** A view's `state.values` as Slack reports them: per input block id, per action id; unset inputs are null. */
  private stateValues(stored: StoredView, given: Record<string, string>): Record<string, Record<string, unknown>> {
    const values: Record<string, Record<string, unknown>> = {};
    const known = new Set<string>();
    for (const block of stored.view.blocks) {
      if (!isRecord(block) || block.type !== 'input' || !isRecord(block.element)) continue;
      const blockId = String(block.block_id);
      const actionId = typeof block.element.action_id === 'string' ? block.element.action_id : slackId('', 5);
      known.add(blockId);
      const value = given[blockId];
      if (block.element.type === 'checkboxes') {
        // Checkboxes submit their ticked options: `values` names one by its value ('' for none), else the initial ones.
        const options = Array.isArray(block.element.options) ? block.element.options.filter(isRecord) : [];
        const initial = Array.isArray(block.element.initial_options) ? block.element.initial_options : [];
        const selected = value === undefined ? initial : options.filter((o) => value !== '' && o.value === value);
        values[blockId] = { [actionId]: { type: 'checkboxes', selected_options: selected } };
        continue;
      }
      if (block.element.type === 'static_select') {
        // A select submits the option chosen (by its value), or null.
        const options = Array.isArray(block.element.options) ? block.element.options.filter(isRecord) : [];
        const chosen = options.find((o) => value !== undefined && o.value === value) ?? null;
        values[blockId] = { [actionId]: { type: 'static_select', selected_option: chosen } };
        continue;
      }
      values[blockId] = { [actionId]: { type: block.element.type, value: value ?? null } };
    }
    const unknown = Object.keys(given).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new Error(`fake Slack: the modal has no input block ${unknown.join(', ')}`);
    return values;
  }

  /** A `view_submission` for a modal the app opened, with `state.values` shaped like Slack's. */
  viewSubmission(input: SubmitInput): { payload: Record<string, unknown>; viewId: string } {
    const user = input.user ?? 'U0ADA';
    const stored = this.openView(user, input.viewId);
    const values = this.stateValues(stored, input.values);
    const payload = {
      type: 'view_submission',
      team: { id: this.state.team.id, domain: this.state.team.domain },
      user: this.userField(user),
      api_app_id: this.state.bot.appId,
      token: VERIFICATION_TOKEN,
      trigger_id: this.state.issueTrigger(user),
      view: apiView(this.state, stored, values),
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return { payload, viewId: stored.id };
  }

  /**
   * A `block_actions` payload for a button inside an open modal, as Slack sends it: the container
   * is the view (`type: 'view'`, no channel, message or response URL), and `view` is the whole
   * view with its current `hash` and `state.values` (what was typed so far, per `values`).
   */
  viewBlockActions(input: ViewClickInput): { payload: Record<string, unknown>; triggerId: string; viewId: string } {
    const user = input.user ?? 'U0ADA';
    const stored = input.home
      ? [...this.state.views.values()].find((v) => v.user === user && v.view.type === 'home')
      : this.openView(user, input.viewId);
    if (!stored) throw new Error(`fake Slack: ${user} has no Home tab published`);
    const found = findElement(stored.view.blocks, input.actionId);
    if (!found) throw new Error(`fake Slack: view ${stored.id} has no element ${input.actionId}`);
    const triggerId = this.state.issueTrigger(user);
    const payload = {
      type: 'block_actions',
      user: this.userField(user),
      api_app_id: this.state.bot.appId,
      token: VERIFICATION_TOKEN,
      container: { type: 'view', view_id: stored.id },
      trigger_id: triggerId,
      team: { id: this.state.team.id, domain: this.state.team.domain },
      enterprise: null,
      is_enterprise_install: false,
      view: apiView(this.state, stored, this.stateValues(stored, input.values ?? {})),
      actions: [
        found.element.type === 'static_select' ? selectActionOf(found, input.selected) : actionOf(found, undefined),
      ],
    };
    return { payload, triggerId, viewId: stored.id };
  }

  /** A `block_actions` payload for a button of a stored message. */
  blockActions(input: ClickInput): { payload: Record<string, unknown>; triggerId: string; responseUrl: string } {
    const { user, channel } = this.actor(input);
    const message = this.state.find(channel, input.ts);
    if (!message) throw new Error(`fake Slack: no message ${channel}/${input.ts}`);
    const found = findElement(message.blocks ?? [], input.actionId);
    if (!found) throw new Error(`fake Slack: message ${input.ts} has no button ${input.actionId}`);
    const triggerId = this.state.issueTrigger(user);
    const responseUrl = this.baseUrl + this.state.issueResponseUrl('actions', { channel, user, messageTs: message.ts });
    const payload = {
      type: 'block_actions',
      user: { ...this.userField(user), ...(input.teamId ? { team_id: input.teamId } : {}) },
      api_app_id: this.state.bot.appId,
      token: VERIFICATION_TOKEN,
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: channel,
        is_ephemeral: false,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      },
      trigger_id: triggerId,
      team: { id: input.teamId ?? this.state.team.id, domain: this.state.team.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel, name: this.state.channels.get(channel)?.name ?? channel },
      message: apiMessage(this.state, message, false),
      state: { values: {} },
      response_url: responseUrl,
      actions: [actionOf(found, input.value, input.feedback)],
    };
    return { payload, triggerId, responseUrl };
  }

  /** A `reaction_added` event_callback; the reaction is also added to the stored message. */
  reactionAdded(input: ReactInput): { payload: Record<string, unknown>; eventId: string } {
    const { user, channel } = this.actor(input);
    const reaction = input.reaction ?? 'repeat';
    const message = this.state.find(channel, input.ts);
    if (message) this.state.react(message, reaction, user);
    const eventId = input.eventId ?? slackId('Ev', 10);
    const payload = this.eventCallback(eventId, {
      type: 'reaction_added',
      user,
      reaction,
      item: { type: 'message', channel, ts: input.ts },
      ...(message ? { item_user: message.user } : {}),
      event_ts: nowTs(),
    });
    return { payload, eventId };
  }

  /** `app_home_opened`: the person opened the app's Home (or Messages) tab. */
  appHomeOpened(input: { user?: string; tab?: 'home' | 'messages' }): {
    payload: Record<string, unknown>;
    eventId: string;
  } {
    const user = this.state.ensureUser(input.user ?? 'U0ADA').id;
    const home = [...this.state.views.values()].find((v) => v.user === user && v.view.type === 'home');
    const eventId = slackId('Ev', 10);
    const payload = this.eventCallback(eventId, {
      type: 'app_home_opened',
      user,
      channel: slackId('D'),
      tab: input.tab ?? 'home',
      event_ts: nowTs(),
      ...(home ? { view: apiView(this.state, home) } : {}),
    });
    return { payload, eventId };
  }

  /**
   * `assistant_thread_started`: the person opened Scribe's agent view (or a new chat in it). Slack
   * makes the thread in the person's DM with the app; its parent is the app's own message
   * (subtype `assistant_app_thread`), stored here so the thread's title and prompts have a thread.
   */
  assistantThreadStarted(input: { user?: string; contextChannel?: string } = {}): {
    payload: Record<string, unknown>;
    eventId: string;
    channel: string;
    threadTs: string;
  } {
    const user = this.state.ensureUser(input.user ?? 'U0ADA').id;
    const dm = this.state.dmWith(user);
    const parent = this.state.post({
      channel: dm.id,
      user: this.state.bot.userId,
      botId: this.state.bot.botId,
      text: 'New chat',
    });
    const eventId = slackId('Ev', 10);
    const payload = this.eventCallback(eventId, {
      type: 'assistant_thread_started',
      assistant_thread: {
        user_id: user,
        context: {
          ...(input.contextChannel ? { channel_id: input.contextChannel } : {}),
          team_id: this.state.team.id,
          enterprise_id: null,
        },
        channel_id: dm.id,
        thread_ts: parent.ts,
      },
      event_ts: nowTs(),
    });
    return { payload, eventId, channel: dm.id, threadTs: parent.ts };
  }

  /**
   * A person writes in their DM with the app (`message.im`): in an agent view thread when
   * `threadTs` is given, else at the top of the Messages tab. The message is stored as Slack stores it.
   */
  dmMessage(input: { user?: string; text: string; threadTs?: string }): {
    payload: Record<string, unknown>;
    eventId: string;
    channel: string;
    ts: string;
  } {
    const user = this.state.ensureUser(input.user ?? 'U0ADA').id;
    const dm = this.state.dmWith(user);
    const message = this.state.post({
      channel: dm.id,
      user,
      text: input.text,
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
    });
    const eventId = slackId('Ev', 10);
    const payload = this.eventCallback(eventId, {
      type: 'message',
      user,
      text: input.text,
      client_msg_id: randomUUID(),
      team: this.state.team.id,
      ts: message.ts,
      ...(input.threadTs ? { thread_ts: input.threadTs, parent_user_id: this.state.bot.userId } : {}),
      channel: dm.id,
      event_ts: message.ts,
      channel_type: 'im',
    });
    return { payload, eventId, channel: dm.id, ts: message.ts };
  }

  /** Wraps an event in the Events API envelope. */
  eventCallback(eventId: string, event: Record<string, unknown>): Record<string, unknown> {
    return {
      token: VERIFICATION_TOKEN,
      team_id: this.state.team.id,
      context_team_id: this.state.team.id,
      context_enterprise_id: null,
      api_app_id: this.state.bot.appId,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.state.team.id,
          user_id: this.state.bot.userId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${Buffer.from(eventId).toString('base64url')}`,
    };
  }
}
