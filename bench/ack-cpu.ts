/**
 * Scribe's CPU per Slack request (issue 24, item 3): a burst of 50 is acked in about the time its
 * requests' CPU takes on Scribe's one main thread, so this is the ack path's cost, without the
 * noise of the chat bench's p99. Bursts of 50 `/scribe help` (the ack path alone: the help text is
 * the ack) and of 50 `/scribe` (the ack, then the form opened and the quota checked), 20 of each on
 * a warm service, each followed by 400 ms for its work after the ack; Scribe's main thread's time
 * on a CPU over each (schedstat, ns), per request. The acks are timed on the timing thread too.
 * Line: `slack.ack_cpu_us_per_request`.
 */
import { mainThreadCpuMs } from './memory.ts';
import { report, stats } from './report.ts';
import { startChatBox } from './scribe-start.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchAckCpu(databaseUrl: string): Promise<void> {
  const box = await startChatBox(databaseUrl);
  const { slack, timer } = box;
  try {
    const pid = box.scribe.child.pid!;
    const driver = slack.httpDriver({ url: box.slackUrl, send: timer.send });
    const burst = (text: string) =>
      Promise.all(
        Array.from({ length: 50 }, () => driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text })),
      ).then((r) => {
        for (const x of r) statuses.set(x.status, (statuses.get(x.status) ?? 0) + 1);
        return r.map((x) => x.ms);
      });
    const statuses = new Map<number, number>();
    const rounds = 20;
    const line: Record<string, unknown> = { bench: 'slack.ack_cpu_us_per_request', in_flight: 50, bursts: rounds };
    for (const [text, name] of [
      ['help', 'help'],
      ['', 'form'],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        await burst(text);
        await sleep(400);
      }
      const cpu: number[] = [];
      const acks: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const opened = slack.callsTo('views.open').length;
        const from = mainThreadCpuMs(pid);
        acks.push(...(await burst(text)));
        if (text === '') await slack.until(() => slack.callsTo('views.open').length >= opened + 50, 'modals', 30_000);
        await sleep(400);
        cpu.push(mainThreadCpuMs(pid) - from);
      }
      const c = stats(cpu);
      line[name] = {
        cpu_us_per_request_p50: Math.round((c.p50 * 1000) / 50),
        cpu_ms_per_burst: { p50: c.p50, min: c.min, max: c.max },
        ack_p99_ms: stats(acks).p99,
      };
    }
    const refused = [...statuses.keys()].filter((s) => s !== 200);
    if (refused.length) throw new Error(`ack-cpu: answers other than 200: ${refused.join(', ')}`);
    report({ ...line, thread: 'main', services: 'child process', timed_on: 'own thread' });
  } finally {
    await box.close();
  }
}
