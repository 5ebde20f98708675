/**
 * Discord's message and modal limits, answered the way Discord answers them: 400 with code 50035
 * "Invalid Form Body" and an `errors` tree, or 50006 for an empty message. Lengths count Unicode
 * code points, as Discord's Python API does (an emoji is 1, not 2 as in `String#length`).
 */
import type { APIEmbed } from 'discord.js';

/** A JSON error body as Discord sends it. */
export interface DiscordErrorBody {
  message: string;
  code: number;
  errors?: Record<string, unknown>;
}

/** The fields of a message create/edit body the fake understands. */
export interface MessageBody {
  content?: string | null;
  embeds?: APIEmbed[] | null;
  components?: unknown[] | null;
  flags?: number | null;
  nonce?: string | number;
  enforce_nonce?: boolean;
  tts?: boolean;
  message_reference?: { message_id?: string; channel_id?: string; guild_id?: string };
  attachments?: unknown[] | null;
}

/** Discord's limits, in code points. */
export const Limits = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Sum over all embeds of one message. */
  embedTotal: 6000,
  actionRows: 5,
  /** Buttons in one action row. */
  rowComponents: 5,
  buttonLabel: 80,
  threadName: 100,
  modalTitle: 45,
  textInputValue: 4000,
  customId: 100,
  buttonsPerRow: 5,
  buttonUrl: 512,
} as const;

/** Length as Discord counts it. */
export function codePoints(text: string | null | undefined): number {
  if (!text) return 0;
  let n = 0;
  for (const _ of text) n++;
  return n;
}

type Problems = Array<[path: string[], code: string, message: string]>;

function formError(problems: Problems): DiscordErrorBody {
  const errors: Record<string, unknown> = {};
  for (const [path, code, message] of problems) {
    let node = errors;
    for (const key of path) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node._errors ??= [];
    (node._errors as unknown[]).push({ code, message });
  }
  return { message: 'Invalid Form Body', code: 50035, errors };
}

function maxLength(problems: Problems, path: string[], text: string | null | undefined, max: number): number {
  const n = codePoints(text);
  if (n > max) problems.push([path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`]);
  return n;
}

/**
 * Checks a message body against Discord's limits. `partial` is for edits, where absent fields keep
 * their value and so an "empty" edit is fine. Returns the error body, or null when valid.
 */
export function validateMessage(body: MessageBody, partial: boolean): DiscordErrorBody | null {
  const problems: Problems = [];
  maxLength(problems, ['content'], body.content, Limits.content);
  const embeds = body.embeds ?? [];
  if (embeds.length > Limits.embeds) {
    problems.push([['embeds'], 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.embeds} or fewer in length.`]);
  }
  let total = 0;
  embeds.forEach((embed, i) => {
    const at = (...rest: string[]): string[] => ['embeds', String(i), ...rest];
    total += maxLength(problems, at('title'), embed.title, Limits.embedTitle);
    total += maxLength(problems, at('description'), embed.description, Limits.embedDescription);
    total += maxLength(problems, at('footer', 'text'), embed.footer?.text, Limits.footerText);
    total += maxLength(problems, at('author', 'name'), embed.author?.name, Limits.authorName);
    const fields = embed.fields ?? [];
    if (fields.length > Limits.embedFields) {
      problems.push([at('fields'), 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.embedFields} or fewer in length.`]);
    }
    fields.forEach((field, j) => {
      total += maxLength(problems, at('fields', String(j), 'name'), field.name, Limits.fieldName);
      total += maxLength(problems, at('fields', String(j), 'value'), field.value, Limits.fieldValue);
    });
  });
  if (total > Limits.embedTotal) {
    problems.push([['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${Limits.embedTotal}`]);
  }
  if ((body.components?.length ?? 0) > Limits.actionRows) {
    problems.push([['components'], 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.actionRows} or fewer in length.`]);
  }
  for (const [i, row] of (body.components ?? []).entries()) checkActionRow(problems, row, ['components', String(i)]);
  checkButtons(problems, body.components ?? []);
  if (problems.length > 0) return formError(problems);
  const empty =
    !body.content && embeds.length === 0 && (body.components?.length ?? 0) === 0 && !body.attachments?.length;
  if (!partial && empty) return { message: 'Cannot send an empty message', code: 50006 };
  return null;
}

/** An action row (type 1) of buttons: at most five, each custom id ≤ 100 and label ≤ 80 code points. */
function checkActionRow(problems: Problems, row: unknown, path: string[]): void {
  if (typeof row !== 'object' || row === null || (row as { type?: unknown }).type !== 1) return;
  const components = (row as { components?: unknown }).components;
  if (!Array.isArray(components)) return;
  if (components.length > Limits.rowComponents) {
    problems.push([
      [...path, 'components'],
      'BASE_TYPE_MAX_LENGTH',
      `Must be ${Limits.rowComponents} or fewer in length.`,
    ]);
  }
  components.forEach((c: unknown, j) => {
    if (typeof c !== 'object' || c === null || (c as { type?: unknown }).type !== 2) return;
    const { custom_id: customId, label } = c as { custom_id?: string; label?: string };
    const at = [...path, 'components', String(j)];
    maxLength(problems, [...at, 'custom_id'], customId, Limits.customId);
    maxLength(problems, [...at, 'label'], label, Limits.buttonLabel);
  });
}

interface ButtonLike {
  type?: number;
  style?: number;
  url?: unknown;
  custom_id?: unknown;
}

/**
 * Buttons in action rows (their count and lengths: checkActionRow): a link button (style 5) has a `url` of at most 512
 * characters with an http(s) or discord scheme and no custom id; any other button has a custom id
 * and no url.
 */
function checkButtons(problems: Problems, rows: unknown[]): void {
  rows.forEach((row, i) => {
    const components = (row as { components?: ButtonLike[] }).components ?? [];
    const at = (...rest: string[]) => ['components', String(i), 'components', ...rest];
    components.forEach((c, j) => {
      if (c.type !== 2) return;
      if (c.style === 5) {
        if (typeof c.url !== 'string' || c.url === '')
          problems.push([at(String(j), 'url'), 'BASE_TYPE_REQUIRED', 'This field is required']);
        else if (codePoints(c.url) > Limits.buttonUrl)
          problems.push([
            at(String(j), 'url'),
            'BASE_TYPE_MAX_LENGTH',
            `Must be ${Limits.buttonUrl} or fewer in length.`,
          ]);
        else if (!/^(https?|discord):\/\//i.test(c.url))
          problems.push([
            at(String(j), 'url'),
            'URL_TYPE_INVALID_PROTOCOL',
            'Scheme must be one of (http, https, discord).',
          ]);
        if (c.custom_id !== undefined)
          problems.push([
            at(String(j), 'custom_id'),
            'COMPONENT_CUSTOM_ID_INVALID',
            'A link button cannot have a custom id.',
          ]);
      } else if (typeof c.custom_id !== 'string') {
        problems.push([at(String(j), 'custom_id'), 'BASE_TYPE_REQUIRED', 'This field is required']);
      }
    });
  });
}

/** Checks a thread name (1–100 code points). */
export function validateThreadName(name: unknown): DiscordErrorBody | null {
  const problems: Problems = [];
  if (typeof name !== 'string' || name.length === 0) {
    problems.push([['name'], 'BASE_TYPE_REQUIRED', 'This field is required']);
  } else {
    maxLength(problems, ['name'], name, Limits.threadName);
  }
  return problems.length ? formError(problems) : null;
}

/** A modal as sent in an interaction callback of type 9. */
export interface ModalData {
  custom_id: string;
  title: string;
  components: Array<{ type: number; components?: TextInputLike[]; component?: TextInputLike }>;
}

/** The parts of a text input the fake checks and fills. */
export interface TextInputLike {
  type: number;
  custom_id: string;
  value?: string;
  style?: number;
  label?: string;
  required?: boolean;
  max_length?: number;
  [key: string]: unknown;
}

/** Checks a modal's title, custom id and prefilled values (4,000 code points each). */
export function validateModal(modal: ModalData): DiscordErrorBody | null {
  const problems: Problems = [];
  maxLength(problems, ['data', 'title'], modal.title, Limits.modalTitle);
  maxLength(problems, ['data', 'custom_id'], modal.custom_id, Limits.customId);
  if (modal.components.length > Limits.actionRows) {
    problems.push([['data', 'components'], 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.actionRows} or fewer in length.`]);
  }
  modal.components.forEach((row, i) => {
    const inputs = row.component ? [row.component] : (row.components ?? []);
    inputs.forEach((input, j) => {
      const path = ['data', 'components', String(i), ...(row.component ? ['component'] : ['components', String(j)])];
      maxLength(problems, [...path, 'value'], input.value, Limits.textInputValue);
      maxLength(problems, [...path, 'custom_id'], input.custom_id, Limits.customId);
    });
  });
  return problems.length ? formError(problems) : null;
}
