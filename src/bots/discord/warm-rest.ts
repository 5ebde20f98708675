/**
 * Warms Discord's REST path at the bot's start: an interaction's answer (a form, a deferral) is a
 * REST call, and the first burst after a start ran that code cold — @discordjs/rest's handler,
 * undici's request, connection and response code, 50 times at once on new connections: ~65–80 ms
 * of CPU where the same burst takes ~20–40 ms once the code has run (measured in a bare process:
 * docs/decisions.md, "Acks after a start, and a burst on new connections"). Here that code runs a
 * burst's worth of times against a throwaway server on 127.0.0.1, through a REST client of the
 * same library and the same interaction-callback route, so Discord is never called and nothing is
 * said to anyone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// discord.js's own copy (it re-exports @discordjs/rest): importing the package's ESM build would
// load, and warm, a second copy rather than the one the client runs.
import { InteractionResponseType, REST, Routes, type APIModalInteractionResponseCallbackData } from 'discord.js';

/** As many as a burst of 50 commands sends at once. */
export const WARM_CALLBACKS = 50;

/**
 * Sends `count` interaction callbacks carrying `modal` at once to a server on 127.0.0.1 that
 * answers each as Discord does (204), then closes it. Resolves when all were answered.
 */
export async function warmDiscordRest(
  modal: APIModalInteractionResponseCallbackData,
  count = WARM_CALLBACKS,
): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  // No sweepers: their intervals would outlive the warm-up.
  const rest = new REST({ api: `http://127.0.0.1:${port}/api`, hashSweepInterval: 0, handlerSweepInterval: 0 });
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        rest.post(Routes.interactionCallback(String(i + 1), 'warm-up'), {
          body: { type: InteractionResponseType.Modal, data: modal },
          auth: false,
          query: new URLSearchParams({ with_response: 'false' }),
        }),
      ),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
