/**
 * Reading Discord messages as a person sees them, whether they are plain (`content`, embeds) or
 * Components V2 (text displays inside containers and sections): the texts in order, the buttons.
 */

interface ComponentLike {
  type?: number;
  content?: string;
  components?: unknown[];
  accessory?: unknown;
  custom_id?: string;
  label?: string;
  url?: string;
  style?: number;
}

/** Every component of a tree, depth first, in the order Discord shows them. */
export function allComponents(components: readonly unknown[] | null | undefined): ComponentLike[] {
  const out: ComponentLike[] = [];
  const walk = (list: readonly unknown[]) => {
    for (const c of list) {
      if (typeof c !== 'object' || c === null) continue;
      const component = c as ComponentLike;
      out.push(component);
      if (Array.isArray(component.components)) walk(component.components);
      if (component.accessory) walk([component.accessory]);
    }
  };
  walk(components ?? []);
  return out;
}

/** The text displays' contents (type 10), in order. */
export function textDisplays(message: { components?: readonly unknown[] | null | undefined }): string[] {
  return allComponents(message.components)
    .filter((c) => c.type === 10)
    .map((c) => c.content ?? '');
}

/** A message's text as shown: its content, then its text displays, joined by newlines. */
export function textOf(message: {
  content?: string | null;
  components?: readonly unknown[] | null | undefined;
}): string {
  return [message.content ?? '', ...textDisplays(message)].filter((t) => t !== '').join('\n');
}

/** The buttons (type 2) anywhere in a message: in action rows, containers and section accessories. */
export function buttonsIn(message: { components?: readonly unknown[] | null | undefined }): ComponentLike[] {
  return allComponents(message.components).filter((c) => c.type === 2);
}

/** A V2 progress message as read: who asked (above the container), the title, the step lines. */
export function progressOf(message: { components?: readonly unknown[] | null | undefined }): {
  header: string | undefined;
  title: string;
  lines: string[];
} {
  const top = (message.components ?? []) as ComponentLike[];
  const header = top[0]?.type === 10 ? top[0].content : undefined;
  const container = top.find((c) => c.type === 17);
  const [title = '', steps = ''] = textDisplays({ components: container?.components ?? [] });
  return { header, title: title.replace(/^### /, ''), lines: steps.split('\n') };
}

/** The lines above a result's email (batch label, subject, draft problems): not part of the email. */
const RESULT_HEADER = /^(-# ✉️|\*\*Subject:\*\*|\*\*⚠️ Draft)/;

/**
 * The piece of the email a V2 result message holds ('' for a message of sources or buttons only,
 * and for a titled message — progress, research review, "Which …?", batch table — whose container
 * opens with a `### ` heading, which a result never does): its text displays before the divider,
 * the lines above the email left out.
 */
export function emailPieceOf(message: { components?: readonly unknown[] | null | undefined }): string {
  const container = ((message.components ?? []) as ComponentLike[]).find((c) => c.type === 17);
  const children = (container?.components ?? []) as ComponentLike[];
  if (children[0]?.type === 10 && children[0].content?.startsWith('### ')) return '';
  const pieces: string[] = [];
  for (const c of children) {
    if (c.type === 14) break;
    if (c.type === 10 && !RESULT_HEADER.test(c.content ?? '')) pieces.push(c.content ?? '');
  }
  return pieces.join('\n');
}

/** A V2 message's first container's text displays, in order ([] for a plain message). */
export function containerTexts(message: { components?: readonly unknown[] | null | undefined }): string[] {
  const container = ((message.components ?? []) as ComponentLike[]).find((c) => c.type === 17);
  return textDisplays({ components: container?.components ?? [] });
}

/** A V2 message's title: its container's first text display, without the `### ` heading mark. */
export function titleOf(message: { components?: readonly unknown[] | null | undefined }): string | undefined {
  return containerTexts(message)[0]?.replace(/^### /, '');
}

/** A V2 batch table as read: who asked (above the container), the title, the table's lines. */
export function batchOf(message: { components?: readonly unknown[] | null | undefined }): {
  header: string | undefined;
  title: string;
  table: string;
} {
  const top = (message.components ?? []) as ComponentLike[];
  const [title = '', table = ''] = containerTexts(message);
  return { header: top[0]?.type === 10 ? top[0].content : undefined, title: title.replace(/^### /, ''), table };
}
