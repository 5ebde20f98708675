/**
 * The fake Anthropic streams (`stream: true`) as the Messages API does, so the real SDK's
 * `messages.stream` assembles the same message from its events: text as `text_delta`s, a forced
 * tool's input as `input_json_delta`s, the stop reason and usage in `message_delta`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './anthropic.ts';

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

describe('fake Anthropic: streaming', () => {
  it('streams text as text_delta events the SDK joins into the final message', async () => {
    const email =
      'Dear Dr. Lovelace,\n\nI read your notes on the Analytical Engine with great interest.\n\nBest,\nGrace';
    fake.queue('claude-sonnet-5-5', { text: email });
    fake.streamPace.chars = 7;
    const deltas: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'write' }],
    });
    stream.on('text', (text) => deltas.push(text));
    const message = await stream.finalMessage();
    expect(deltas.length).toBe(Math.ceil([...email].length / 7));
    expect(deltas.join('')).toBe(email);
    expect(message.content).toEqual([{ type: 'text', text: email }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("streams a forced tool's input as input_json_delta events", async () => {
    const input = { subject: 'Your work', fills: [{ slot: '[their work]', text: 'your notes[1]', sources: [1] }] };
    fake.queue('write_fills', { tool: input });
    fake.streamPace.chars = 5;
    const partials: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'write' }],
      tools: [{ name: 'write_fills', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'write_fills' },
    });
    stream.on('inputJson', (partial) => partials.push(partial));
    const message = await stream.finalMessage();
    expect(partials.join('')).toBe(JSON.stringify(input));
    expect(partials.length).toBeGreaterThan(1);
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'write_fills', input });
    expect(message.stop_reason).toBe('tool_use');
  });
});
