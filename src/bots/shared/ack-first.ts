/**
 * Acks first: the work a handler does after its ack waits here, so that the requests already read
 * off their sockets, and the acks still on their way, go before it (issue 24, item 3).
 *
 * In a burst of 50 `/scribe`, each handler acks and goes on at once (the form's prefill, the modal,
 * the quota check). Without this, a handler's post-ack work runs in the same turn of the event loop
 * as its ack, ahead of the requests still waiting in the poll queue, so the burst's last ack waits
 * behind the post-ack work of the 49 before it. Here each waiting handler is let go from its own
 * `setImmediate`, one per turn of the loop: between two, the loop's poll phase reads and acks every
 * request that has arrived. One handler at a time costs a turn of the loop (microseconds when
 * nothing else is ready), far inside Slack's 3 s for a trigger id.
 *
 * An ack can also take several turns: Discord's is a REST call, often after a database read (the
 * form's prefill). Every platform says when an ack starts and when it is done (`ackStarted`);
 * while any is on its way, no post-ack work is let go, for at most `MAX_HOLD_MS` from when that
 * work started waiting (a slow ack never holds the rest for long).
 *
 * A request on a new connection is not read until its connection is accepted, and Node 24's event
 * loop (libuv 1.52) accepts one queued connection per turn. A burst of 50 on new connections (the
 * first after a start, or after Slack's connections went idle) was read one request per turn, each
 * turn also running one handler's post-ack work: the last ack came 200–360 ms after its request
 * while the loop was never blocked for more than 25 ms. So a server that takes requests says when
 * it accepts a connection (`connectionAccepted`), and no post-ack work is let go in a turn that
 * accepted one: more may be queued. The first turn that accepts none lets work go again (within
 * the same `MAX_HOLD_MS`).
 */

/** The longest a handler's post-ack work waits for other acks on their way. */
export const MAX_HOLD_MS = 300;

const waiting: { since: number; go: () => void }[] = [];
let scheduled = false;
let acking = 0;
let holdTimer: NodeJS.Timeout | undefined;
/** A connection was accepted since the last turn that let work go (or held it). */
let acceptedSinceLastTurn = false;
/** When an ack last started or ended, or a connection was last accepted (`performance.now()`). */
let lastActivityAt = performance.now();

function schedule(): void {
  if (scheduled || waiting.length === 0) return;
  scheduled = true;
  setImmediate(releaseOne);
}

function releaseOne(): void {
  scheduled = false;
  const first = waiting[0];
  if (!first) return;
  const held = performance.now() - first.since;
  const accepting = acceptedSinceLastTurn;
  acceptedSinceLastTurn = false;
  if (accepting && held < MAX_HOLD_MS) {
    // A connection was accepted since the last turn: the next turn may accept another.
    schedule();
    return;
  }
  if (acking > 0 && held < MAX_HOLD_MS) {
    // Woken by the last ack's end, or when the first waiter has waited long enough.
    if (!holdTimer) {
      holdTimer = setTimeout(() => {
        holdTimer = undefined;
        schedule();
      }, MAX_HOLD_MS - held);
      holdTimer.unref();
    }
    return;
  }
  waiting.shift()?.go();
  schedule();
}

/** Resolves in a later turn of the event loop, after the requests already received have been acked. */
export function afterAcks(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push({ since: performance.now(), go: resolve });
    schedule();
  });
}

/**
 * A server that takes requests accepted a connection (its `connection` event): post-ack work waits
 * for a turn of the loop that accepts none, as more connections may be queued behind it.
 */
export function connectionAccepted(): void {
  acceptedSinceLastTurn = true;
  lastActivityAt = performance.now();
}

/**
 * When chat was last active here: an ack started or ended, or a connection was accepted
 * (`performance.now()` ms; the module's load when none yet). An ack on its way counts as now.
 */
export function lastChatActivity(): number {
  return acking > 0 ? performance.now() : lastActivityAt;
}

/** Acks on their way now (what `ackStarted` counts; tests read it). */
export function acksOnTheirWayNow(): number {
  return acking;
}

/**
 * An ack is on its way: post-ack work waits until the returned function is called (idempotent),
 * which the platform does once the ack has been sent, or has failed.
 */
export function ackStarted(): () => void {
  acking += 1;
  lastActivityAt = performance.now();
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    acking -= 1;
    lastActivityAt = performance.now();
    if (acking === 0) {
      clearTimeout(holdTimer);
      holdTimer = undefined;
      schedule();
    }
  };
}
