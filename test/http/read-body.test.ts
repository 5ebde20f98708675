/**
 * `readBody` (src/http/server.ts), which the Slack route reads Slack's posts with: a body in
 * several chunks whole, and one over the limit refused, whether its content-length says so or it
 * streams past it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../src/http/server.ts';

describe('readBody', () => {
  async function serve(limit: number) {
    const seen: (number | string)[] = [];
    const server = http.createServer((req, res) => {
      readBody(req, limit).then(
        (b) => {
          seen.push(b.length);
          res.end('ok');
        },
        (err: Error) => {
          seen.push(err.message);
          res.setHeader('connection', 'close');
          res.statusCode = 413;
          res.end();
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => server.close() };
  }

  it('reads a body in several chunks whole, and refuses one over the limit, declared or streamed', async () => {
    const s = await serve(1000);
    try {
      const chunked = new ReadableStream({
        start(c) {
          for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('x'.repeat(200)));
          c.close();
        },
      });
      expect((await fetch(s.url, { method: 'POST', body: chunked, duplex: 'half' } as RequestInit)).status).toBe(200);
      expect((await fetch(s.url, { method: 'POST', body: 'y'.repeat(1001) })).status).toBe(413);
      const streamed = new ReadableStream({
        start(c) {
          for (let i = 0; i < 6; i++) c.enqueue(new TextEncoder().encode('z'.repeat(200)));
          c.close();
        },
      });
      const over = await fetch(s.url, { method: 'POST', body: streamed, duplex: 'half' } as RequestInit).catch(
        () => undefined,
      );
      expect(over?.status ?? 413).toBe(413);
      expect(s.seen).toEqual([800, 'request body over 1000 bytes', 'request body over 1000 bytes']);
    } finally {
      s.close();
    }
  });
});
