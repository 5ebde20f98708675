/**
 * Interaction responses: `POST /interactions/{id}/{token}/callback` and the interaction webhook
 * (`/webhooks/{application}/{token}` for follow-ups and `…/messages/@original`). None of these
 * carry an Authorization header: the token in the path is the credential.
 */
import type { APIInteraction, APIMessage } from 'discord.js';
import type { RouteDeps } from './deps.ts';
import type { InteractionRecord } from './interaction-registry.ts';
import { MessageFlag, type StoredMessage } from './messages.ts';
import { fail, type RouteContext, type RouteDef, type RouteResult } from './rest.ts';
import { IS_COMPONENTS_V2, validateMessage, validateModal, type MessageBody, type ModalData } from './validate.ts';

const unknownInteraction = (): RouteResult => fail(404, 'Unknown interaction', 10062);
const unknownWebhook = (): RouteResult => fail(404, 'Unknown Webhook', 10015);

/** The interaction callback and webhook routes. */
export function callbackRoutes(deps: RouteDeps): RouteDef[] {
  return [
    {
      method: 'POST',
      pattern: '/interactions/:interaction/:token/callback',
      auth: false,
      handle: (ctx) => callback(deps, ctx),
    },
    { method: 'POST', pattern: '/webhooks/:application/:token', auth: false, handle: (ctx) => followUp(deps, ctx) },
    {
      method: 'GET',
      pattern: '/webhooks/:application/:token/messages/:message',
      auth: false,
      handle: (ctx) => webhookMessage(deps, ctx),
    },
    {
      method: 'PATCH',
      pattern: '/webhooks/:application/:token/messages/:message',
      auth: false,
      handle: (ctx) => webhookMessage(deps, ctx),
    },
    {
      method: 'DELETE',
      pattern: '/webhooks/:application/:token/messages/:message',
      auth: false,
      handle: (ctx) => webhookMessage(deps, ctx),
    },
  ];
}

function callback(deps: RouteDeps, ctx: RouteContext): RouteResult {
  const record = deps.interactions.get(ctx.params.interaction!);
  const body = (ctx.body ?? {}) as { type?: number; data?: Record<string, unknown> };
  const withResponse = ctx.query.get('with_response') === 'true';
  const attempt = {
    type: body.type ?? -1,
    data: body.data,
    withResponse,
    status: 0,
    at: Date.now(),
    receivedAt: ctx.receivedAt,
  };
  const answer = (result: RouteResult): RouteResult => {
    attempt.status = result.status;
    if (record) deps.interactions.recordCallback(record, attempt);
    return result;
  };
  if (!record || record.payload.token !== ctx.params.token) return answer(unknownInteraction());
  if (record.initial) return answer(fail(400, 'Interaction has already been acknowledged.', 40060));
  // Discord drops interactions not answered within 3 s: the app then sees "Unknown interaction".
  if (Date.now() - record.createdAt > deps.interactions.timing.ackDeadlineMs) return answer(unknownInteraction());
  const interaction = record.payload;
  const data = body.data ?? {};
  let message: APIMessage | undefined;
  // An autocomplete interaction takes only its result (type 8), and the result only answers one.
  if ((interaction.type === 4) !== (body.type === 8))
    return answer(fail(400, 'Interaction callback type is not valid for this interaction', 50035));
  switch (body.type) {
    case 8: {
      // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: at most 25 choices, names 1–100, string values up to 100.
      const invalid = validateChoices(data.choices);
      if (invalid) return answer({ status: 400, body: invalid });
      break;
    }
    case 4: // CHANNEL_MESSAGE_WITH_SOURCE
    case 5: {
      // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a "Scribe is thinking…" message
      const msg = data as MessageBody;
      const invalid = body.type === 4 ? validateMessage(msg, false) : null;
      if (invalid) return answer({ status: 400, body: invalid });
      const flags = (msg.flags ?? 0) | (body.type === 5 ? MessageFlag.Loading : 0);
      message = createResponse(
        deps,
        record,
        body.type === 4 ? { ...msg, flags } : { flags },
        interaction.type === 2 ? 20 : 0,
      );
      break;
    }
    case 6: // DEFERRED_UPDATE_MESSAGE
    case 7: {
      // UPDATE_MESSAGE
      if (!interaction.message) return answer(fail(400, 'Interaction callback type requires a message', 50035));
      record.originalMessageId = interaction.message.id;
      const stored = deps.messages.byId.get(interaction.message.id);
      if (body.type === 7 && stored) {
        const { flags = 0, content, embeds } = stored.message;
        const invalid = validateMessage(data as MessageBody, true, { flags, content, embeds });
        if (invalid) return answer({ status: 400, body: invalid });
        message = deps.messages.edit(stored, data as MessageBody);
      }
      break;
    }
    case 9: {
      // MODAL: not allowed in answer to a modal submit
      if (interaction.type === 5) return answer(fail(400, 'Interaction has already been acknowledged.', 40060));
      const invalid = validateModal(data as unknown as ModalData);
      if (invalid) return answer({ status: 400, body: invalid });
      break;
    }
    default:
      return answer(
        fail(400, 'Invalid Form Body', 50035, {
          errors: {
            type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {4, 5, 6, 7, 8, 9}.' }] },
          },
        }),
      );
  }
  if (!withResponse) return answer({ status: 204 });
  const ephemeral = ((message?.flags ?? 0) & MessageFlag.Ephemeral) !== 0;
  return answer({
    status: 200,
    body: {
      interaction: {
        id: interaction.id,
        type: interaction.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: body.type === 5,
              response_message_ephemeral: ephemeral,
            }
          : {}),
      },
      resource: { type: body.type, ...(message ? { message } : {}) },
    },
  });
}

/** Discord's checks of an autocomplete result's `choices`; the error body, or null when valid. */
function validateChoices(choices: unknown): Record<string, unknown> | null {
  const invalid = (path: string, message: string) => ({
    code: 50035,
    message: 'Invalid Form Body',
    errors: { data: { choices: { [path]: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message }] } } } },
  });
  if (!Array.isArray(choices)) return invalid('_self', 'This field is required');
  if (choices.length > 25) return invalid('_self', 'Must be 25 or fewer in length.');
  for (const [i, c] of choices.entries()) {
    const choice = c as { name?: unknown; value?: unknown };
    if (typeof choice.name !== 'string' || choice.name.length < 1 || choice.name.length > 100)
      return invalid(`${i}`, 'name: Must be between 1 and 100 in length.');
    if (typeof choice.value === 'string' && choice.value.length > 100)
      return invalid(`${i}`, 'value: Must be 100 or fewer in length.');
    if (typeof choice.value !== 'string' && typeof choice.value !== 'number')
      return invalid(`${i}`, 'value: This field is required');
  }
  return null;
}

/** Creates the interaction's original response message, posted by the bot through the app's webhook. */
function createResponse(deps: RouteDeps, record: InteractionRecord, body: MessageBody, type: number): APIMessage {
  const interaction = record.payload;
  const user = interaction.member?.user ?? interaction.user!;
  const ephemeral = ((body.flags ?? 0) & MessageFlag.Ephemeral) !== 0;
  const extra: Partial<APIMessage> = {
    type,
    webhook_id: interaction.application_id,
    application_id: interaction.application_id,
    interaction_metadata: {
      id: interaction.id,
      type: interaction.type,
      user,
      authorizing_integration_owners: interaction.authorizing_integration_owners,
    } as APIMessage['interaction_metadata'],
  };
  const message = deps.messages.create(
    channelOf(interaction),
    deps.world.bot,
    body,
    extra,
    ephemeral ? user.id : undefined,
  );
  record.originalMessageId ??= message.id;
  return message;
}

function channelOf(interaction: APIInteraction): string {
  return interaction.channel?.id ?? interaction.channel_id!;
}

/** Resolves the interaction behind a webhook path, applying Discord's token rules. */
function webhookRecord(deps: RouteDeps, ctx: RouteContext): InteractionRecord | RouteResult {
  const record = deps.interactions.byToken(ctx.params.token!);
  if (!record || record.payload.application_id !== ctx.params.application) return unknownWebhook();
  if (deps.interactions.expired(record)) return fail(401, 'Invalid Webhook Token', 50027);
  return record;
}

function followUp(deps: RouteDeps, ctx: RouteContext): RouteResult {
  const record = webhookRecord(deps, ctx);
  if ('status' in record) return record;
  if (!record.initial) return unknownWebhook();
  const body = (ctx.body ?? {}) as MessageBody;
  const invalid = validateMessage(body, false);
  if (invalid) return { status: 400, body: invalid };
  const wait = ctx.query.get('wait') === 'true';
  // Discord: the first follow-up after a deferred response edits the "thinking" message instead.
  const original = record.originalMessageId ? deps.messages.byId.get(record.originalMessageId) : undefined;
  let message: APIMessage;
  if (original && (original.message.flags ?? 0) & MessageFlag.Loading) {
    message = editOriginal(deps, original, body);
  } else {
    const ephemeral = ((body.flags ?? 0) & MessageFlag.Ephemeral) !== 0;
    const user = record.payload.member?.user ?? record.payload.user!;
    message = deps.messages.create(
      channelOf(record.payload),
      deps.world.bot,
      body,
      {
        webhook_id: record.payload.application_id,
        application_id: record.payload.application_id,
      },
      ephemeral ? user.id : undefined,
    );
  }
  return wait ? { status: 200, body: message } : { status: 204 };
}

function webhookMessage(deps: RouteDeps, ctx: RouteContext): RouteResult {
  const record = webhookRecord(deps, ctx);
  if ('status' in record) return record;
  const id = ctx.params.message === '@original' ? record.originalMessageId : ctx.params.message;
  const stored = id ? deps.messages.byId.get(id) : undefined;
  if (!stored || stored.deleted) return fail(404, 'Unknown Message', 10008);
  if (ctx.method === 'GET') return { status: 200, body: stored.message };
  if (ctx.method === 'DELETE') {
    deps.messages.delete(stored);
    return { status: 204 };
  }
  const body = (ctx.body ?? {}) as MessageBody;
  const { flags = 0, content, embeds } = stored.message;
  const invalid = validateMessage(body, true, { flags, content, embeds });
  if (invalid) return { status: 400, body: invalid };
  return { status: 200, body: editOriginal(deps, stored, body) };
}

/** Edits a response; the first edit of a deferred response ends its loading state. */
function editOriginal(deps: RouteDeps, stored: StoredMessage, body: MessageBody): APIMessage {
  // A Components V2 message stays one (Discord keeps the flag; an edit cannot drop it).
  const keep = (stored.message.flags ?? 0) & (MessageFlag.Ephemeral | MessageFlag.HasThread | IS_COMPONENTS_V2);
  return deps.messages.edit(stored, { ...body, flags: ((body.flags ?? 0) & ~MessageFlag.Loading) | keep });
}
