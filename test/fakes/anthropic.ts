/**
 * A local Anthropic Messages API (`POST /v1/messages`) for the real SDK: real response shapes
 * (message, content blocks, usage), real error bodies, and a default "model" that answers Scribe's
 * three structured questions plausibly — parse the template (placeholders with who fills them, the
 * language), summarise sources with citations, write the fills (in the template's language, each
 * citing a source) — and any other structured question with a value built from its JSON schema.
 *
 * Usage is reported as the API would: input tokens from the prompt's real length (system prompt and
 * messages; about four characters a token, one per CJK character), and prompt caching honoured: a
 * `cache_control` breakpoint whose prefix reaches the model's minimum (`cacheMinTokens`) is written
 * to the fake's cache (`cache_creation_input_tokens`) and read back by a later request with the same
 * prefix within five minutes (`cache_read_input_tokens`); `input_tokens` is the rest.
 *
 * A question is named by the structured-output schema's `title` (what the client sends), or by a
 * forced tool's name. Scripting, most specific first:
 *   fake.queue('parsed_template', { json: {...} }, { text: 'not json' })  // next answers to one question (or model)
 *   fake.respond((req) => req.model.includes('sonnet') ? { text: 'Hi' } : undefined)  // undefined: default
 *   fake.queue('answer', { text: '{"a', stopReason: 'max_tokens' })  // any stop reason, known or not
 *   fake.queue('answer', { json: {...}, usage: { cache_read_input_tokens: 900 } })  // usage fields as sent
 *   fake.failNext([RATE_LIMITED, OVERLOADED, SPEND_LIMIT_REACHED])  // HTTP trouble, before any answer
 */
import crypto from 'node:crypto';
import { sendJson, startFakeHttp, type FakeHttp, type RecordedRequest } from './http.ts';

/** A text content block, as the SDK sends one (with a cache breakpoint, or not). */
export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: { type: 'ephemeral'; ttl?: '5m' | '1h' };
}

/** A request as recorded: the system prompt and each message's content as one string (blocks joined). */
export interface MessagesRequest {
  model: string;
  system?: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: string }[];
  tools?: { name: string; input_schema: unknown }[];
  tool_choice?: { type: string; name?: string };
  output_config?: { format?: { type: 'json_schema'; schema: JsonSchema } | null };
}

export interface JsonSchema {
  type?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minItems?: number;
}

/** The Messages API's `usage` object, as the API sends it. */
export interface WireUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } | null;
  service_tier: string | null;
}

/**
 * How an answer ends: its stop reason as the API sends it (any string, so values newer than the
 * SDK can be simulated; default `end_turn`, or `tool_use` for a forced tool), and usage fields that
 * replace the computed ones.
 */
export interface ReplyEnding {
  stopReason?: string;
  usage?: Partial<WireUsage>;
}

/**
 * What the fake model says: free text; a JSON value (sent as the text of a structured answer, or as
 * a forced tool's input); or undefined for the default.
 */
export type Reply =
  | ({ text: string } & ReplyEnding)
  | ({ json: unknown } & ReplyEnding)
  /** Same as `json` (kept for scripts written for the forced-tool era). */
  | ({ tool: unknown } & ReplyEnding)
  /** An error answer instead (e.g. `OVERLOADED`): for one recipient's calls only, where `failNext` hits all. */
  | { error: { status: number; headers: Record<string, string>; body: string } }
  | undefined;

export interface FakeAnthropic extends FakeHttp {
  apiKey: string;
  /** Requests to /v1/messages, parsed. */
  calls(): MessagesRequest[];
  /** Requests to /v1/messages as sent, cache breakpoints included. */
  wireCalls(): WireMessagesRequest[];
  /** Calls that asked a given structured question (schema title or tool name). */
  callsFor(question: string): MessagesRequest[];
  /** Scripts answers; return undefined to fall back to queued answers, then the default model. */
  respond(responder: (request: MessagesRequest) => Reply): void;
  /** Answers for the next calls of one question (or one model), used once each, in order. */
  queue(questionOrModel: string, ...replies: Exclude<Reply, undefined>[]): void;
  /** Every answer sent (errors injected with failNext are not answers): its model and usage, in order. */
  answered(): { model: string; usage: WireUsage }[];
  /** Delay per model or question name (the seed latencies of the benchmarks). */
  latencyFor: Record<string, number>;
  /**
   * How a streamed answer (`stream: true`) is paced: `chars` per `content_block_delta` and `delayMs`
   * between deltas (the model's writing speed; 0 by default).
   */
  streamPace: { chars: number; delayMs: number };
}

/** An injected failure in Anthropic's real error shape, for `failNext`. */
export const anthropicError = (
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
) => ({
  status,
  headers: { ...(status === 429 ? { 'retry-after': '1' } : {}), ...headers },
  body: JSON.stringify({
    type: 'error',
    error: { type, message },
    request_id: `req_${crypto.randomBytes(8).toString('hex')}`,
  }),
});
export const OVERLOADED = anthropicError(529, 'overloaded_error', 'Overloaded');
export const RATE_LIMITED = anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit');

/**
 * The organisation has crossed its usage tier's monthly spend cap. As Anthropic's errors page
 * (platform.claude.com/docs/en/api/errors) documents it: a 429 `rate_limit_error` with no
 * retry-after header, told apart from a rate limit only by `error.details.error_code`. (The
 * message's wording is ours; the docs do not quote it.)
 */
export const SPEND_LIMIT_REACHED = {
  status: 429,
  headers: { 'request-id': 'req_011CSpendLimitReached000' },
  body: JSON.stringify({
    type: 'error',
    error: {
      type: 'rate_limit_error',
      message:
        'You have reached your monthly API usage limit for your usage tier. Your access will resume at 00:00 UTC on the first day of next month.',
      details: { error_code: 'enforced_spend_limit_reached' },
    },
    request_id: 'req_011CSpendLimitReached000',
  }),
};

/** The question a request asks: its structured-output schema's title, or its forced tool's name. */
export function questionOf(request: MessagesRequest): string | undefined {
  return request.output_config?.format?.schema.title ?? request.tool_choice?.name;
}

const PLACEHOLDER = /\{\{[^{}\n]{1,80}\}\}|\[[^[\]\n]{1,80}\]/g;
// What a careful model takes for the sender's own details, and for a free personal line.
const SENDER =
  /^[[{<]*\s*(?:(?:your|ihr|ihre)[ _](?:full[ _])?(?:name|university|universität|institution|position|title|department|lab|program|signature)|my[ _]|sender|mein|您的姓名|你的名字|我的)/i;
const PERSONAL = /personal|persönlich|个性化/i;

/** The text of a message's content or of the system prompt, blocks joined. */
export const textOfContent = (content: string | TextBlock[] | undefined): string =>
  typeof content === 'string' ? content : (content ?? []).map((b) => b.text).join('');

/** The minimum prefix the API caches, by model (Haiku and Opus 4.5+: 4,096; Sonnet: 1,024). */
export const cacheMinTokens = (model: string) => (/sonnet/.test(model) ? 1_024 : 4_096);

/** Every text block in order (system first), with whether a cache breakpoint follows it. */
function blocksOf(request: WireMessagesRequest): { text: string; breakpoint: boolean }[] {
  const asBlocks = (c: string | TextBlock[] | undefined) =>
    typeof c === 'string'
      ? [{ text: c, breakpoint: false }]
      : (c ?? []).map((b) => ({ text: b.text, breakpoint: !!b.cache_control }));
  return [...asBlocks(request.system), ...request.messages.flatMap((m) => asBlocks(m.content))];
}

/** Starts the fake on 127.0.0.1; `apiKey` is the only key it accepts (x-api-key or Bearer). */
export async function startFakeAnthropic(options: { apiKey?: string } = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-test-key';
  let responder: (request: MessagesRequest) => Reply = () => undefined;
  const queues = new Map<string, Exclude<Reply, undefined>[]>();
  const latencyFor: Record<string, number> = {};
  const answered: { model: string; usage: WireUsage }[] = [];
  /** Cached prefixes (model + text up to a breakpoint) and when they expire. */
  const promptCache = new Map<string, number>();
  const pace = { chars: 24, delayMs: 0 };

  /** The usage of a request's input: what the cache served, what it stored, and the rest. */
  function inputUsage(request: WireMessagesRequest) {
    const blocks = blocksOf(request);
    const total = inputTokensOf(flatten(request));
    const prefixes: { key: string; tokens: number }[] = [];
    let text = '';
    for (const block of blocks) {
      text += block.text;
      const tokens = tokensIn(text);
      if (block.breakpoint && tokens >= cacheMinTokens(request.model)) {
        prefixes.push({ key: crypto.createHash('sha256').update(`${request.model}\n${text}`).digest('hex'), tokens });
      }
    }
    const now = Date.now();
    const hit = prefixes.findLast((p) => (promptCache.get(p.key) ?? 0) > now);
    const read = hit?.tokens ?? 0;
    const last = prefixes.at(-1);
    const created = last && last !== hit ? last.tokens - read : 0;
    for (const p of prefixes) promptCache.set(p.key, now + 5 * 60_000);
    return {
      input_tokens: total - read - created,
      cache_read_input_tokens: read,
      cache_creation_input_tokens: created,
      cache_creation: { ephemeral_5m_input_tokens: created, ephemeral_1h_input_tokens: 0 },
    };
  }

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
    const wire = req.json as WireMessagesRequest | undefined;
    if (!wire || typeof wire.model !== 'string' || !Array.isArray(wire.messages)) {
      sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'model: Field required' } });
      return;
    }
    const request = flatten(wire);
    const question = questionOf(request);
    const delay = (question ? latencyFor[question] : undefined) ?? latencyFor[request.model] ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const queued = [question, request.model].map((k) => (k ? queues.get(k) : undefined)).find((q) => q && q.length > 0);
    const reply = responder(request) ?? queued?.shift() ?? defaultReply(request);
    if ('error' in reply) {
      res.writeHead(reply.error.status, { 'content-type': 'application/json', ...reply.error.headers });
      res.end(reply.error.body);
      return;
    }
    const forcedTool = request.tool_choice?.type === 'tool' ? request.tool_choice.name : undefined;
    const value = 'json' in reply ? reply.json : 'tool' in reply ? reply.tool : undefined;
    const content: StreamContent[] =
      'text' in reply
        ? [{ type: 'text', text: reply.text }]
        : forcedTool
          ? [{ type: 'tool_use', id: `toolu_${crypto.randomBytes(8).toString('hex')}`, name: forcedTool, input: value }]
          : [{ type: 'text', text: JSON.stringify(value) }];
    const stopReason = reply.stopReason ?? ('text' in reply || !forcedTool ? 'end_turn' : 'tool_use');
    const usage = {
      ...inputUsage(wire),
      output_tokens: tokensIn(content.map((c) => ('text' in c ? c.text : JSON.stringify(c.input))).join('')),
      service_tier: 'standard',
      ...reply.usage,
    } satisfies WireUsage;
    answered.push({ model: request.model, usage });
    if (wire.stream === true) {
      await sendStream(
        res,
        { id: `msg_${crypto.randomBytes(12).toString('hex')}`, model: request.model, content, stopReason, usage },
        pace,
      );
      return;
    }
    sendJson(
      res,
      200,
      {
        id: `msg_${crypto.randomBytes(12).toString('hex')}`,
        type: 'message',
        role: 'assistant',
        model: request.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      },
      { 'request-id': `req_${crypto.randomBytes(8).toString('hex')}` },
    );
  });

  const messagesCalls = () =>
    http.requests
      .filter((r: RecordedRequest) => r.path.startsWith('/v1/messages') && r.json)
      .map((r) => flatten(r.json as WireMessagesRequest));
  return Object.assign(http, {
    apiKey,
    answered: () => [...answered],
    latencyFor,
    streamPace: pace,
    calls: messagesCalls,
    wireCalls: () =>
      http.requests
        .filter((r: RecordedRequest) => r.path.startsWith('/v1/messages') && r.json)
        .map((r) => r.json as WireMessagesRequest),
    callsFor: (question: string) => messagesCalls().filter((c) => questionOf(c) === question),
    respond(next: (request: MessagesRequest) => Reply) {
      responder = next;
    },
    queue(questionOrModel: string, ...replies: Exclude<Reply, undefined>[]) {
      queues.set(questionOrModel, [...(queues.get(questionOrModel) ?? []), ...replies]);
    },
  });
}

type StreamContent = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

/**
 * A Messages answer as the API streams it (server-sent events): `message_start` (empty content,
 * input usage), per block `content_block_start`, `content_block_delta`s (`text_delta` for text,
 * `input_json_delta` with `partial_json` for a tool's input), `content_block_stop`, then
 * `message_delta` (stop reason, output tokens) and `message_stop`.
 */
async function sendStream(
  res: import('node:http').ServerResponse,
  answer: { id: string; model: string; content: StreamContent[]; stopReason: string; usage: WireUsage },
  pace: { chars: number; delayMs: number },
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': `req_${crypto.randomBytes(8).toString('hex')}`,
  });
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const pieces = (text: string) => {
    const out: string[] = [];
    const chars = [...text];
    for (let i = 0; i < chars.length; i += Math.max(1, pace.chars)) out.push(chars.slice(i, i + pace.chars).join(''));
    return out;
  };
  const wait = () => (pace.delayMs > 0 ? new Promise((r) => setTimeout(r, pace.delayMs)) : Promise.resolve());
  send('message_start', {
    message: {
      id: answer.id,
      type: 'message',
      role: 'assistant',
      model: answer.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...answer.usage, output_tokens: 1 },
    },
  });
  for (const [index, block] of answer.content.entries()) {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of pieces(block.text)) {
        await wait();
        send('content_block_delta', { index, delta: { type: 'text_delta', text } });
      }
    } else {
      send('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const partial_json of pieces(JSON.stringify(block.input))) {
        await wait();
        send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
      }
    }
    send('content_block_stop', { index });
  }
  send('message_delta', {
    delta: { stop_reason: answer.stopReason, stop_sequence: null },
    usage: { output_tokens: answer.usage.output_tokens },
  });
  send('message_stop', {});
  res.end();
}

/**
 * Token counts as the Messages API reports them, near enough to price an email: every character
 * the model reads or writes at `CHARS_PER_TOKEN`. Input is the system prompt, each message's text,
 * and the structured answer's JSON schema or the tools' schemas (the API puts them in the prompt);
 * output is the answer's text. Anthropic's docs put a token at about 3.5 characters of English,
 * and Claude's newer tokenizer (Haiku 5.5, the 4.7 models and later) counts about 30 % more tokens
 * on the same text than Haiku 4.5's; 3.5 is used, so the fake never counts fewer tokens than the
 * old rule of 4 characters a token. Prose in other scripts counts more tokens per character in
 * reality; the prompts Scribe sends are mostly English.
 */
export const CHARS_PER_TOKEN = 3.5;

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/** Tokens of a text: `CHARS_PER_TOKEN` characters each, and one per CJK character. */
export function tokensIn(text: string): number {
  const cjk = (text.match(CJK_CHAR) ?? []).length;
  return Math.ceil((text.length - cjk) / CHARS_PER_TOKEN) + cjk;
}

/** The input tokens of a request (see `CHARS_PER_TOKEN`). */
export function inputTokensOf(request: MessagesRequest): number {
  const schemas = [request.output_config?.format?.schema, ...(request.tools ?? []).map((t) => t.input_schema)]
    .filter((schema) => schema !== undefined && schema !== null)
    .map((schema) => JSON.stringify(schema));
  return tokensIn([textOf(request.system), ...request.messages.map((m) => textOf(m.content)), ...schemas].join(''));
}

/** The text of a prompt part: a string, or content blocks (`[{ type: 'text', text }]`, e.g. with cache_control). */
function textOf(part: unknown): string {
  if (typeof part === 'string') return part;
  if (!Array.isArray(part)) return '';
  return part.map((block: { text?: unknown }) => (typeof block?.text === 'string' ? block.text : '')).join('');
}

/** A plausible answer to each of Scribe's questions; a schema-shaped value for any other. */
export function defaultReply(request: MessagesRequest): Exclude<Reply, undefined> {
  const prompt = request.messages.map((m) => m.content).join('\n');
  const question = questionOf(request);
  switch (question) {
    case 'parsed_template': {
      const template = /<<<TEMPLATE\n([\s\S]*?)\nTEMPLATE>>>/.exec(prompt)?.[1] ?? prompt;
      const interest = /research interest:\s*(.+)/i.exec(prompt)?.[1]?.trim() ?? 'their research';
      const type = /\bbook\b/i.test(template)
        ? 'BOOK'
        : /paper|research|work|lab|thesis|Arbeit|Forschung|研究|论文/i.test(template)
          ? 'RESEARCH'
          : 'GENERAL';
      return {
        json: {
          templateType: type,
          searchTerms: [interest.slice(0, 100)],
          placeholders: [...new Set(template.match(PLACEHOLDER) ?? [])].map((text) => ({
            text,
            owner: SENDER.test(text) ? 'sender' : PERSONAL.test(text) ? 'personal' : 'recipient',
          })),
          language: languageOf(template),
        },
      };
    }
    case 'research_summary': {
      const sources = [...prompt.matchAll(/<source n="(\d+)"[^>]*title="([^"]*)"/g)];
      const summary = sources.length
        ? sources.map(([, n, title]) => `The recipient is described in "${title}" [${n}].`).join(' ')
        : '';
      return { json: { summary } };
    }
    case 'email':
      return { json: fillsFor(prompt) };
    case 'follow_up':
      return { json: { body: followUpFor(prompt) } };
  }
  const schema =
    request.output_config?.format?.schema ??
    (request.tools?.find((t) => t.name === request.tool_choice?.name)?.input_schema as JsonSchema | undefined);
  return schema ? { json: sampleOf(schema) } : { text: 'Hello from the fake model.' };
}

/** What a good writer answers to the follow-up question: a short nudge in the email's language, about it. */
function followUpFor(prompt: string): string {
  const language = /^Language: (\S+)/m.exec(prompt)?.[1] ?? 'en';
  const sent = /^First email sent on: (\S+)/m.exec(prompt)?.[1] ?? '';
  const name = /^Recipient: (.+)$/m.exec(prompt)?.[1]?.trim() ?? '';
  if (language.startsWith('de'))
    return `Sehr geehrte/r ${name}, ich wollte kurz an meine E-Mail vom ${sent} erinnern. Über eine kurze Antwort würde ich mich sehr freuen. Mit freundlichen Grüßen`;
  if (language.startsWith('zh')) return `${name}您好，我想跟进一下我在${sent}发给您的邮件。期待您的回复。`;
  return `Dear ${name}, I am following up on my email of ${sent} about your work. I would be glad of a short reply when you have a moment. Best regards`;
}

/** The language a template is written in: Chinese, Japanese, German or English. */
function languageOf(template: string): string {
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(template)) return 'ja';
  if (/\p{Script=Han}/u.test(template)) return 'zh';
  if (/[äöüß]|\b(?:Sehr geehrte|Ihre?n?|und|mit freundlichen)\b/.test(template)) return 'de';
  return 'en';
}

/** What a good writer answers: each listed slot filled in the template's language, citing the first source. */
function fillsFor(prompt: string): { subject: string; fills: { slot: string; text: string; sources: number[] }[] } {
  const language = /The template's language: (\S+)/.exec(prompt)?.[1] ?? 'en';
  const interest = /research interest:\s*(.+)/i.exec(prompt)?.[1]?.trim() ?? 'your research';
  const name = /Recipient:\s*(.+)/.exec(prompt)?.[1]?.trim() ?? 'there';
  const cited = Number(
    /^\[(\d+)\] /m.exec(prompt)?.[1] ?? /<paper id="[^"]*" n="(\d+)"/.exec(prompt)?.[1] ?? Number.NaN,
  );
  const sources = Number.isNaN(cited) ? [] : [cited];
  const slots = [
    ...(/Slots for you to fill:\n((?:- .+\n?)+)/.exec(prompt)?.[1] ?? '').matchAll(/^- (.+) \((a [^)]*)\)$/gm),
  ];
  const text = {
    en: {
      phrase: interest,
      line: `Your work on ${interest} is close to my own.`,
      subject: `About your work on ${interest}`,
    },
    de: {
      phrase: `Ihrer Forschung zu ${interest}`,
      line: `Ihre Arbeiten zu ${interest} sind meinem eigenen Thema sehr nah.`,
      subject: `Zu Ihrer Forschung: ${interest}`,
    },
    zh: {
      phrase: `${interest}方面的研究`,
      line: `您在${interest}方面的研究与我的方向很接近。`,
      subject: `关于您在${interest}方面的研究`,
    },
  }[language.startsWith('de') ? 'de' : language.startsWith('zh') ? 'zh' : 'en'];
  return {
    subject: /has no subject line/.test(prompt) ? text.subject.slice(0, 70) : '',
    fills: slots.map(([, slot = '', kind = '']) =>
      /name/i.test(slot)
        ? { slot, text: name.split(' ').at(-1) ?? name, sources: [] }
        : { slot, text: kind.includes('personal') ? text.line : text.phrase, sources },
    ),
  };
}

/** A request as sent on the wire: the system prompt and contents may be text blocks with cache breakpoints. */
export type WireMessagesRequest = Omit<MessagesRequest, 'system' | 'messages'> & {
  /** `true`: answer as server-sent events (message_start … message_stop), as the API streams. */
  stream?: boolean;
  system?: string | TextBlock[];
  messages: { role: 'user' | 'assistant'; content: string | TextBlock[] }[];
};

/** The request with its blocks joined into strings, as `calls()` and responders see it. */
export function flatten(request: WireMessagesRequest): MessagesRequest {
  const { system, messages, ...rest } = request;
  return {
    ...rest,
    ...(system === undefined ? {} : { system: textOfContent(system) }),
    messages: messages.map((m) => ({ role: m.role, content: textOfContent(m.content) })),
  };
}

/** A value that satisfies a (structured-outputs subset) JSON schema: first enum value, one item, etc. */
export function sampleOf(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.[0]) return sampleOf(schema.anyOf[0]);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, sampleOf(s)]));
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        sampleOf(schema.items ?? { type: 'string' }),
      );
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'example';
  }
}
