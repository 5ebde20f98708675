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
  /** Components V2: components in one message, nested ones included. */
  v2Components: 40,
  /** Components V2: characters across all the text displays of one message. */
  v2Text: 4000,
  /** Components V2: components directly inside a container (discord-api-types: "up to 10"). */
  containerChildren: 10,
  /** Components V2: text displays in a section. */
  sectionTexts: 3,
} as const;

/** MessageFlags.IsComponentsV2 (1 << 15). */
export const IS_COMPONENTS_V2 = 1 << 15;

/** Component types (discord-api-types' ComponentType). */
const T = {
  ActionRow: 1,
  Button: 2,
  Section: 9,
  TextDisplay: 10,
  Thumbnail: 11,
  MediaGallery: 12,
  File: 13,
  Separator: 14,
  Container: 17,
} as const;
/** Interactive components allowed in a message's action row: button and the select menus. */
const IN_ACTION_ROW = [T.Button, 3, 5, 6, 7, 8];
const V2_TOP_LEVEL = [T.ActionRow, T.Section, T.TextDisplay, T.MediaGallery, T.File, T.Separator, T.Container];
const IN_CONTAINER = [T.ActionRow, T.Section, T.TextDisplay, T.MediaGallery, T.File, T.Separator];

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
 * their value and so an "empty" edit is fine; `current` is the message being edited (its flags: a
 * Components V2 message keeps the flag, and refuses an edit that drops it; its content and embeds:
 * an edit that sets the flag on a plain message must empty them — content `null`, embeds `[]`).
 * Returns the error body, or null when valid.
 */
export function validateMessage(
  body: MessageBody,
  partial: boolean,
  current?: { flags?: number | undefined; content?: string | undefined; embeds?: unknown[] | undefined },
): DiscordErrorBody | null {
  const problems: Problems = [];
  const wasV2 = ((current?.flags ?? 0) & IS_COMPONENTS_V2) !== 0;
  const settingV2 = body.flags !== undefined && body.flags !== null && (body.flags & IS_COMPONENTS_V2) !== 0;
  if (current && !wasV2 && settingV2) {
    const legacy = 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2';
    if (current.content && body.content !== null)
      problems.push([['content'], legacy, 'Set content to null to convert a message to IS_COMPONENTS_V2']);
    if (current.embeds?.length && !(body.embeds === null || body.embeds?.length === 0))
      problems.push([['embeds'], legacy, 'Set embeds to [] to convert a message to IS_COMPONENTS_V2']);
  }
  if (wasV2 && body.flags !== undefined && body.flags !== null && (body.flags & IS_COMPONENTS_V2) === 0) {
    problems.push([
      ['flags'],
      'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG',
      'The IS_COMPONENTS_V2 flag cannot be removed',
    ]);
  }
  const v2 = (((body.flags ?? current?.flags ?? 0) as number) & IS_COMPONENTS_V2) !== 0;
  if (v2) return validateV2(problems, body, partial);
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
  for (const [i, row] of (body.components ?? []).entries()) {
    // Without IS_COMPONENTS_V2 only action rows may stand at the top.
    if ((row as { type?: unknown } | null)?.type !== T.ActionRow)
      problems.push([['components', String(i), 'type'], 'UNION_TYPE_CHOICES', 'Value must be one of (1).']);
    checkActionRow(problems, row, ['components', String(i)]);
  }
  checkButtons(problems, body.components ?? []);
  if (problems.length > 0) return formError(problems);
  const empty =
    !body.content && embeds.length === 0 && (body.components?.length ?? 0) === 0 && !body.attachments?.length;
  if (!partial && empty) return { message: 'Cannot send an empty message', code: 50006 };
  return null;
}

/**
 * A Components V2 message: no content or embeds; the known component types in their places
 * (containers hold rows, sections, text displays, media, files and separators; a section 1–3
 * text displays and a button or thumbnail); at most 40 components in all and 4,000 characters
 * across the text displays; buttons checked as in any action row.
 */
function validateV2(problems: Problems, body: MessageBody, partial: boolean): DiscordErrorBody | null {
  const legacy = 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2';
  const legacyMessage = 'The content, embeds, stickers and poll fields cannot be used with IS_COMPONENTS_V2';
  if (body.content) problems.push([['content'], legacy, legacyMessage]);
  if (body.embeds?.length) problems.push([['embeds'], legacy, legacyMessage]);
  const components = body.components ?? [];
  let count = 0;
  let text = 0;
  const rows: Array<[unknown, string[]]> = [];
  const typeError = (path: string[], allowed: readonly number[]) =>
    problems.push([[...path, 'type'], 'UNION_TYPE_CHOICES', `Value must be one of (${allowed.join(', ')}).`]);
  const visit = (c: unknown, path: string[], allowed: readonly number[]): void => {
    count++;
    const node = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const type = node.type as number;
    if (!allowed.includes(type)) {
      typeError(path, allowed);
      return;
    }
    const children = Array.isArray(node.components) ? (node.components as unknown[]) : [];
    switch (type) {
      case T.ActionRow:
        rows.push([c, path]);
        for (const [i, child] of children.entries()) visit(child, [...path, 'components', String(i)], IN_ACTION_ROW);
        return;
      case T.TextDisplay:
        if (typeof node.content !== 'string' || node.content === '')
          problems.push([[...path, 'content'], 'BASE_TYPE_REQUIRED', 'This field is required']);
        text += codePoints(node.content as string | undefined);
        return;
      case T.Section:
        if (children.length < 1 || children.length > Limits.sectionTexts)
          problems.push([[...path, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 3 in length.']);
        for (const [i, child] of children.entries()) visit(child, [...path, 'components', String(i)], [T.TextDisplay]);
        if (node.accessory === undefined)
          problems.push([[...path, 'accessory'], 'BASE_TYPE_REQUIRED', 'This field is required']);
        else visit(node.accessory, [...path, 'accessory'], [T.Button, T.Thumbnail]);
        return;
      case T.Container:
        if (children.length < 1 || children.length > Limits.containerChildren)
          problems.push([
            [...path, 'components'],
            'BASE_TYPE_BAD_LENGTH',
            `Must be between 1 and ${Limits.containerChildren} in length.`,
          ]);
        for (const [i, child] of children.entries()) visit(child, [...path, 'components', String(i)], IN_CONTAINER);
        return;
      case T.File: {
        const url = (node.file as { url?: unknown } | undefined)?.url;
        if (typeof url !== 'string' || !url.startsWith('attachment://'))
          problems.push([[...path, 'file', 'url'], 'UNFURLED_MEDIA_ITEM_INVALID', 'A file must be an attachment://']);
        return;
      }
      default:
        return;
    }
  };
  for (const [i, c] of components.entries()) visit(c, ['components', String(i)], V2_TOP_LEVEL);
  if (count > Limits.v2Components)
    problems.push([['components'], 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.v2Components} or fewer in total.`]);
  if (text > Limits.v2Text)
    problems.push([
      ['components'],
      'COMPONENTS_V2_TEXT_TOO_LONG',
      `The text of all text displays must be ${Limits.v2Text} or fewer in length.`,
    ]);
  for (const [row, path] of rows) checkActionRow(problems, row, path);
  for (const [row, path] of rows) checkButtonsAt(problems, row, path);
  if (problems.length > 0) return formError(problems);
  if (!partial && components.length === 0 && !body.attachments?.length)
    return { message: 'Cannot send an empty message', code: 50006 };
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
  for (const [i, row] of rows.entries()) checkButtonsAt(problems, row, ['components', String(i)]);
}

/** The buttons of one action row at `path`. */
function checkButtonsAt(problems: Problems, row: unknown, path: string[]): void {
  {
    const components = (row as { components?: ButtonLike[] }).components ?? [];
    const at = (...rest: string[]) => [...path, 'components', ...rest];
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
  }
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
