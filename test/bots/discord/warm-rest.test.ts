/**
 * Discord's REST path warmed at the bot's start (warm-rest.ts): a burst of interaction callbacks,
 * each answered as Discord answers one, goes to a throwaway server on 127.0.0.1 — never to Discord
 * — and nothing of it is left running afterwards.
 */
import diagnostics from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { warmDiscordHandlers } from '../../../src/bots/discord/handlers.ts';
import { renderDraftModal } from '../../../src/bots/discord/modal.ts';
import { WARM_CALLBACKS, warmDiscordRest } from '../../../src/bots/discord/warm-rest.ts';

interface Answered {
  origin: string;
  path: string;
  method: string;
  status: number;
}

/** Every HTTP answer undici (Discord's REST client, fetch) gets while `run` runs. */
async function answersDuring(run: () => Promise<void>): Promise<Answered[]> {
  const seen: Answered[] = [];
  const onHeaders = (message: unknown) => {
    const { request, response } = message as {
      request: { origin: string | URL; path: string; method: string };
      response: { statusCode: number };
    };
    seen.push({
      origin: String(request.origin),
      path: request.path,
      method: request.method,
      status: response.statusCode,
    });
  };
  diagnostics.subscribe('undici:request:headers', onHeaders);
  try {
    await run();
  } finally {
    diagnostics.unsubscribe('undici:request:headers', onHeaders);
  }
  return seen;
}

const listening = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/** Resolves once `check` holds (a closed handle leaves the list on a later turn of the loop). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not so after 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("warming Discord's REST path", () => {
  it("sends a burst's worth of form callbacks to a local server, each answered 204, and closes it", async () => {
    const servers = listening();
    const answers = await answersDuring(() => warmDiscordRest(renderDraftModal(undefined, {})));
    expect(WARM_CALLBACKS).toBe(50);
    expect(answers).toHaveLength(WARM_CALLBACKS);
    for (const a of answers) {
      expect(new URL(a.origin).hostname).toBe('127.0.0.1');
      expect(a).toMatchObject({ method: 'POST', status: 204 });
      expect(a.path).toMatch(/^\/api\/v10\/interactions\/\d+\/warm-up\/callback\?with_response=false$/);
    }
    await eventually(() => listening() === servers, 'the warm-up server closed');
  });

  it("is part of the Discord handlers' warm-up at the bot's start, with the form as it is rendered", async () => {
    const answers = await answersDuring(() => warmDiscordHandlers());
    expect(answers).toHaveLength(WARM_CALLBACKS);
    expect(answers.every((a) => a.status === 204 && new URL(a.origin).hostname === '127.0.0.1')).toBe(true);
  });

  it('sends as many as asked', async () => {
    const answers = await answersDuring(() => warmDiscordRest(renderDraftModal(undefined, {}), 3));
    expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
  });
});
