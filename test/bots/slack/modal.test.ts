import { describe, expect, it } from 'vitest';
import {
  renderDraftModal,
  fieldErrors,
  metadataOf,
  requestOf,
  SLACK_INPUT_LIMIT,
  SubmissionSchema,
} from '../../../src/bots/slack/modal.ts';

type Input = {
  type: string;
  block_id?: string;
  element?: { initial_value?: string; max_length?: number };
  elements?: Array<{ text: string }>;
};
const blocks = (view: ReturnType<typeof renderDraftModal>) => view.blocks as unknown as Input[];

describe('Slack modal', () => {
  it('carries the channel and response URL, and has the three inputs by block id', () => {
    const view = renderDraftModal(
      { channel: 'C1', responseUrl: 'https://hooks.slack.com/commands/T1/1/abc' },
      'Dear {name}, hello there my friend.',
    );
    expect(metadataOf(view.private_metadata!)).toEqual({
      channel: 'C1',
      responseUrl: 'https://hooks.slack.com/commands/T1/1/abc',
    });
    expect(blocks(view).map((b) => b.block_id)).toEqual([
      'template',
      'recipient_name',
      'recipient_interest',
      'identity_hint',
      'review_research',
      'personal_line',
      'save_as',
      'scribe_mode',
    ]);
    expect(blocks(view)[0]?.element?.initial_value).toBe('Dear {name}, hello there my friend.');
    expect(blocks(view).map((b) => b.element?.max_length)).toEqual([
      3000,
      200,
      500,
      300,
      undefined,
      undefined,
      60,
      undefined,
    ]);
    expect(blocks(view)[3]).toMatchObject({ optional: true, label: { text: 'Who exactly?' } });
    expect(blocks(view)[4]?.element).toMatchObject({ type: 'checkboxes' });
  });

  it('fills in only the beginning of a template longer than Slack allows, and says so', () => {
    const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(20).trim()}.`).join('\n\n');
    expect(long.length).toBeGreaterThan(SLACK_INPUT_LIMIT);
    const view = renderDraftModal({ channel: 'C1' }, long);
    const initial = blocks(view)[0]?.element?.initial_value ?? '';
    expect(initial.length).toBeLessThanOrEqual(SLACK_INPUT_LIMIT);
    expect(long.startsWith(initial)).toBe(true);
    expect(initial.endsWith('.')).toBe(true);
    expect(blocks(view)[1]).toMatchObject({ type: 'context' });
    expect(blocks(view)[1]?.elements?.[0]?.text).toContain(`${long.length.toLocaleString('en-US')} characters`);
    expect(blocks(renderDraftModal({ channel: 'C1' }))[0]?.element?.initial_value).toBeUndefined();
  });

  it('reads a submission, empty inputs as empty strings', () => {
    const submission = SubmissionSchema.parse({
      user: { id: 'U1' },
      team: { id: 'T1' },
      view: {
        private_metadata: '{"channel":"C1"}',
        state: {
          values: {
            template: { value: { type: 'plain_text_input', value: 'Dear X' } },
            recipient_name: { value: { type: 'plain_text_input', value: null } },
          },
        },
      },
    });
    expect(requestOf(submission)).toEqual({ template: 'Dear X', recipientName: '', recipientInterest: '' });
  });

  it('maps field errors to block ids, and refuses metadata that is not ours', () => {
    expect(fieldErrors({ recipientName: 'Required', recipientInterest: 'Too long', identityHint: 'Mistyped' })).toEqual(
      {
        recipient_name: 'Required',
        recipient_interest: 'Too long',
        identity_hint: 'Mistyped',
      },
    );
    expect(metadataOf('not json')).toBeUndefined();
    expect(metadataOf('{"c":"C1"}')).toBeUndefined();
  });
});
