/**
 * The fake refuses Components V2 payloads as Discord does (issue 23): content or embeds with the
 * flag, more than 40 components, more than 4,000 characters of text displays, unknown or misplaced
 * component types, V2 components without the flag, an edit that drops the flag, and one that sets it
 * on a plain message without emptying its content and embeds.
 */
import { describe, expect, it } from 'vitest';
import { IS_COMPONENTS_V2, validateMessage } from './validate.ts';

const text = (content: string) => ({ type: 10, content });
const container = (...components: unknown[]) => ({ type: 17, components });
const button = (id: string) => ({ type: 2, style: 2, label: id, custom_id: id });
const codes = (body: Parameters<typeof validateMessage>[0], current?: Parameters<typeof validateMessage>[2]) =>
  JSON.stringify(validateMessage(body, current !== undefined, current));

describe('the fake Discord on Components V2', () => {
  it('accepts a container with text, a separator, a section and a row of buttons', () => {
    const body = {
      flags: IS_COMPONENTS_V2,
      components: [
        text('Requested by <@1>'),
        container(
          text('### Title'),
          { type: 14, divider: true, spacing: 1 },
          { type: 9, components: [text('a')], accessory: button('s') },
          { type: 1, components: [button('a'), button('b')] },
          { type: 13, file: { url: 'attachment://x.eml' } },
        ),
      ],
    };
    expect(validateMessage(body, false)).toBeNull();
  });

  it('refuses content or embeds with the flag', () => {
    expect(codes({ flags: IS_COMPONENTS_V2, content: 'hi', components: [text('a')] })).toContain(
      'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
    );
    expect(codes({ flags: IS_COMPONENTS_V2, embeds: [{ title: 't' }], components: [text('a')] })).toContain(
      'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
    );
  });

  it('refuses more than 40 components in all, nested ones counted, and more than 10 in a container', () => {
    // 1 container + 9 rows × (1 + 4 buttons) = 46.
    const rows = Array.from({ length: 9 }, (_, i) => ({
      type: 1,
      components: [0, 1, 2, 3].map((j) => button(`b${i}-${j}`)),
    }));
    expect(codes({ flags: IS_COMPONENTS_V2, components: [container(...rows)] })).toContain('40 or fewer in total');
    const eleven = Array.from({ length: 11 }, (_, i) => text(`t${i}`));
    expect(codes({ flags: IS_COMPONENTS_V2, components: [container(...eleven)] })).toContain('BASE_TYPE_BAD_LENGTH');
  });

  it('refuses more than 4,000 characters across the text displays, in code points', () => {
    const ok = { flags: IS_COMPONENTS_V2, components: [container(text('x'.repeat(2000)), text('😀'.repeat(2000)))] };
    expect(validateMessage(ok, false)).toBeNull();
    const over = { flags: IS_COMPONENTS_V2, components: [text('x'.repeat(2001)), container(text('y'.repeat(2000)))] };
    expect(codes(over)).toContain('COMPONENTS_V2_TEXT_TOO_LONG');
  });

  it('refuses unknown or misplaced types, and V2 components without the flag', () => {
    expect(codes({ flags: IS_COMPONENTS_V2, components: [{ type: 99 }] })).toContain('UNION_TYPE_CHOICES');
    // A container inside a container; a button straight in a container.
    expect(codes({ flags: IS_COMPONENTS_V2, components: [container(container(text('a')))] })).toContain(
      'UNION_TYPE_CHOICES',
    );
    expect(codes({ flags: IS_COMPONENTS_V2, components: [container(button('a'))] })).toContain('UNION_TYPE_CHOICES');
    expect(codes({ components: [container(text('a'))] })).toContain('UNION_TYPE_CHOICES');
  });

  it('refuses an edit that drops the flag, and content on a V2 message edited without flags', () => {
    const current = { flags: IS_COMPONENTS_V2 };
    expect(codes({ flags: 0, components: [{ type: 1, components: [button('a')] }] }, current)).toContain(
      'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG',
    );
    expect(codes({ content: 'hi' }, current)).toContain('MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2');
    expect(validateMessage({ flags: IS_COMPONENTS_V2, components: [text('a')] }, true, current)).toBeNull();
  });

  it('sets the flag on a plain message only when the edit empties its content (null) and embeds ([])', () => {
    const plain = { flags: 0, content: 'Batch requested by <@1>', embeds: [{ title: 'Table' }] };
    const v2 = { flags: IS_COMPONENTS_V2, components: [container(text('### Table'))] };
    expect(codes(v2, plain)).toContain('Set content to null');
    expect(codes(v2, plain)).toContain('Set embeds to []');
    expect(codes({ ...v2, content: null }, plain)).toContain('Set embeds to []');
    expect(validateMessage({ ...v2, content: null, embeds: [] }, true, plain)).toBeNull();
    // A message without content or embeds (a deferred reply) takes the flag as it is.
    expect(validateMessage(v2, true, { flags: 0, content: '', embeds: [] })).toBeNull();
  });

  it('checks buttons inside containers as in any row: a custom id of at most 100', () => {
    const body = {
      flags: IS_COMPONENTS_V2,
      components: [container({ type: 1, components: [button('x'.repeat(101))] })],
    };
    expect(codes(body)).toContain('custom_id');
  });
});
