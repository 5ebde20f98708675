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
