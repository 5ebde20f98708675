/**
 * A local Anthropic Messages API (`POST /v1/messages`) for the real SDK: real response shapes
 * (message, content blocks, tool_use, usage), real error bodies, and a default "model" that
 * answers Scribe's three structured questions plausibly — parse the template, summarise sources
 * with citations, fill the template. Tests script other answers with `respond`.
 */
import crypto from 'node:crypto';
import { sendJson, startFakeHttp, type FakeHttp, type RecordedRequest } from './http.ts';

export interface MessagesRequest {
  model: string;
  system?: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: string }[];
  tools?: { name: string; input_schema: unknown }[];
  tool_choice?: { type: string; name?: string };
}

/** What the fake model says: text, a tool call's input, or nothing (use the default). */
export type Reply = { text: string } | { tool: unknown } | undefined;

export interface FakeAnthropic extends FakeHttp {
  apiKey: string;
  /** Requests to /v1/messages, parsed. */
  calls(): MessagesRequest[];
  /** Calls that asked for a given structured answer (tool name). */
  callsFor(tool: string): MessagesRequest[];
  /** Scripts answers; return undefined to fall back to the default model. */
  respond(responder: (request: MessagesRequest) => Reply): void;
  /** Delay per model or tool name (the seed latencies of the benchmarks). */
  latencyFor: Record<string, number>;
}

export const anthropicError = (status: number, type: string, message: string) => ({
  status,
  headers: (status === 429 ? { 'retry-after': '1' } : {}) as Record<string, string>,
  body: JSON.stringify({ type: 'error', error: { type, message } }),
});
export const OVERLOADED = anthropicError(529, 'overloaded_error', 'Overloaded');
export const RATE_LIMITED = anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit');

const PLACEHOLDER = /\{\{[^{}\n]{1,80}\}\}|\[[^[\]\n]{1,80}\]/g;
const SENDER = /your|my[ _]?name|sender/i;

export async function startFakeAnthropic(options: { apiKey?: string } = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-test-key';
  let responder: (request: MessagesRequest) => Reply = () => undefined;
  const latencyFor: Record<string, number> = {};

  const http = await startFakeHttp(async (req, res) => {
    if (req.method !== 'POST' || !req.path.startsWith('/v1/messages')) {
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
      return;
    }
    const key = req.headers['x-api-key'] ?? String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (key !== apiKey) {
      sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      return;
    }
    const request = req.json as MessagesRequest;
    const tool = request.tool_choice?.name;
    const delay = (tool ? latencyFor[tool] : undefined) ?? latencyFor[request.model] ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const reply = responder(request) ?? defaultReply(request);
    const content =
      'tool' in reply
        ? [{ type: 'tool_use', id: `toolu_${crypto.randomBytes(8).toString('hex')}`, name: tool ?? 'answer', input: reply.tool }]
        : [{ type: 'text', text: reply.text }];
    sendJson(res, 200, {
      id: `msg_${crypto.randomBytes(12).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: 'tool' in reply ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: Math.ceil(JSON.stringify(request.messages).length / 4),
        output_tokens: Math.ceil(JSON.stringify(content).length / 4),
      },
    }, { 'request-id': `req_${crypto.randomBytes(8).toString('hex')}` });
  });

  const messagesCalls = () =>
    http.requests.filter((r: RecordedRequest) => r.path.startsWith('/v1/messages') && r.json).map((r) => r.json as MessagesRequest);
  return Object.assign(http, {
    apiKey,
    latencyFor,
    calls: messagesCalls,
    callsFor: (tool: string) => messagesCalls().filter((c) => c.tool_choice?.name === tool),
    respond(next: (request: MessagesRequest) => Reply) {
      responder = next;
    },
  });
}

/** A plausible answer to each of Scribe's questions. */
export function defaultReply(request: MessagesRequest): { text: string } | { tool: unknown } {
  const prompt = request.messages.map((m) => m.content).join('\n');
  switch (request.tool_choice?.name) {
    case 'parsed_template': {
      const template = /<<<TEMPLATE\n([\s\S]*?)\nTEMPLATE>>>/.exec(prompt)?.[1] ?? prompt;
      const interest = /research interest:\s*(.+)/i.exec(prompt)?.[1]?.trim() ?? 'their research';
      const type = /\bbook\b/i.test(template) ? 'BOOK' : /paper|research|work|lab|thesis/i.test(template) ? 'RESEARCH' : 'GENERAL';
      return { tool: { templateType: type, searchTerms: [interest.slice(0, 100)], placeholders: [...new Set(template.match(PLACEHOLDER) ?? [])] } };
    }
    case 'research_summary': {
      const sources = [...prompt.matchAll(/<source n="(\d+)"[^>]*title="([^"]*)"/g)];
      const summary = sources.length
        ? sources.map(([, n, title]) => `The recipient is described in "${title}" [${n}].`).join(' ')
        : '';
      return { tool: { summary } };
    }
    case 'email': {
      const template = /<template>\n([\s\S]*?)\n<\/template>/.exec(prompt)?.[1] ?? 'Hello.';
      const interest = /research interest:\s*(.+)/i.exec(prompt)?.[1]?.trim() ?? 'your research';
      const name = /Recipient:\s*(.+)/.exec(prompt)?.[1]?.trim() ?? 'there';
      const email = template.replace(PLACEHOLDER, (p) =>
        SENDER.test(p) ? p : /name/i.test(p) ? (name.split(' ').at(-1) ?? name) : interest,
      );
      return { tool: { email } };
    }
    default:
      return { text: 'Hello from the fake model.' };
  }
}
