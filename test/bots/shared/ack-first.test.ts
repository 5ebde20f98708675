import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ackStarted, afterAcks, connectionAccepted, MAX_HOLD_MS } from '../../../src/bots/shared/ack-first.ts';

describe('afterAcks', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  /** A connected pair of sockets on loopback: what the server side reads is a request that arrived. */
  async function connection(): Promise<{ client: net.Socket; server: net.Socket }> {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const server = await accepted;
    closers.push(() => {
      client.destroy();
      server.destroy();
      listener.close();
    });
    return { client, server };
  }

  it('lets a request that is waiting on its socket in before the work after the acks before it', async () => {
    const { client, server } = await connection();
    const order: string[] = [];
    const arrived = new Promise<void>((resolve) =>
      server.once('data', () => {
        order.push('request read');
        resolve();
      }),
    );
    // A request waits in the server's socket buffer, not read yet; three handlers that have just
    // acked go on with their work as the server starts reading again.
    server.pause();
    client.write('POST /slack/events');
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    server.resume();
    const work = [1, 2, 3].map((n) => afterAcks().then(() => order.push(`work ${n}`)));
    await Promise.all([...work, arrived]);
    // One handler's work per turn of the loop: the request is read before the last handler's work
    // (with all three let go at once, it would come after all of them).
    expect(order.indexOf('request read')).toBeLessThan(order.indexOf('work 3'));
    expect(order.filter((o) => o.startsWith('work'))).toEqual(['work 1', 'work 2', 'work 3']);
  });

  it('lets every waiting handler go, also those that start waiting while others are let go', async () => {
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        afterAcks()
          .then(() => (i % 2 === 0 ? afterAcks() : undefined))
          .then(() => done.push(i)),
      ),
    );
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('holds the work after an ack while another ack is on its way, and lets it go once that one is sent', async () => {
    const order: string[] = [];
    const sent = ackStarted(); // e.g. a Discord interaction waiting for its prefill, then its callback
    const work = afterAcks().then(() => order.push('work'));
    for (let turn = 0; turn < 10; turn++) await new Promise((r) => setImmediate(r));
    order.push('other ack sent');
    sent();
    sent(); // ending twice counts once
    await work;
    expect(order).toEqual(['other ack sent', 'work']);
    // Nothing on its way now: the next work goes at once.
    await afterAcks();
  });

  it('acks a burst on new connections (accepted one per turn of the loop) before any of its post-ack work', async () => {
    // 30 requests, each on a connection of its own, queued to be accepted at once; each is acked as
    // it is read, then does a few ms of work after its ack, as a `/scribe` opening its form does.
    const order: string[] = [];
    const listener = net.createServer((socket) => {
      connectionAccepted();
      socket.once('data', () => {
        const sent = ackStarted();
        order.push('ack');
        sent();
        void afterAcks().then(() => {
          order.push('work');
          const until = performance.now() + 3;
          while (performance.now() < until);
          socket.end();
        });
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    closers.push(() => listener.close());
    const port = (listener.address() as net.AddressInfo).port;
    const clients = Array.from({ length: 30 }, () => {
      const client = net.connect(port, '127.0.0.1', () => client.write('POST /slack/events'));
      closers.push(() => client.destroy());
      return new Promise<void>((resolve) => client.on('close', () => resolve()).resume());
    });
    await Promise.all(clients);
    expect(order.filter((o) => o === 'ack')).toHaveLength(30);
    // With the work let go while connections were still being accepted, acks and work alternated.
    expect(order.lastIndexOf('ack')).toBeLessThan(order.indexOf('work'));
  });

  it(`holds it ${MAX_HOLD_MS} ms at most for an ack that never ends`, async () => {
    const never = ackStarted();
    try {
      const from = performance.now();
      await afterAcks();
      expect(performance.now() - from).toBeGreaterThanOrEqual(MAX_HOLD_MS - 5);
    } finally {
      never();
    }
  });
});
