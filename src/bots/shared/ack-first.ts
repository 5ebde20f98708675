/**
 * Acks first: the work a handler does after its ack waits here, so that the requests already read
 * off their sockets are acked before it (issue 24, item 3).
 *
 * In a burst of 50 `/scribe`, each handler acks and goes on at once (the form's prefill, the modal,
 * the quota check). Without this, a handler's post-ack work runs in the same turn of the event loop
 * as its ack, ahead of the requests still waiting in the poll queue, so the burst's last ack waits
 * behind the post-ack work of the 49 before it. Here each waiting handler is let go from its own
 * `setImmediate`, one per turn of the loop: between two, the loop's poll phase reads and acks every
 * request that has arrived. One handler at a time costs a turn of the loop (microseconds when
 * nothing else is ready), far inside Slack's 3 s for a trigger id.
 */

const waiting: (() => void)[] = [];
let scheduled = false;

function releaseOne(): void {
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(releaseOne);
  else scheduled = false;
}

/** Resolves in a later turn of the event loop, after the requests already received have been acked. */
export function afterAcks(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(releaseOne);
    }
  });
}
