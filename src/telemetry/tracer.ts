/**
 * Scribe's view of tracing: a tiny interface the pipeline, the worker and the request layer call,
 * and a no-op for when tracing is off. Nothing here imports OpenTelemetry: with tracing off (no
 * OTEL_EXPORTER_OTLP_ENDPOINT) no OpenTelemetry module is ever loaded, which matters for a Pi's
 * idle memory. `otel.ts`, imported dynamically by `start.ts`, implements it on the SDK.
 */

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** What a running span's owner may do with it. */
export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with the error (its message and type). */
  fail(err: unknown): void;
}

export interface Tracer {
  /** False for the no-op: callers may skip work that only feeds spans. */
  readonly enabled: boolean;
  /**
   * Runs `fn` in a new span, a child of the current one (or of `parent`, a W3C traceparent carried
   * across a process boundary, e.g. in a job payload). The span ends when `fn` settles; a throw
   * marks it failed and is rethrown.
   */
  span<T>(
    name: string,
    attributes: SpanAttributes,
    fn: (span: SpanHandle) => Promise<T>,
    options?: { parent?: string | undefined },
  ): Promise<T>;
  /** The current span's W3C traceparent, to carry to another process; undefined when none. */
  traceparent(): string | undefined;
  /** The current trace id (for log lines); undefined when none. */
  traceId(): string | undefined;
  /** Exports what is pending and stops. */
  shutdown(): Promise<void>;
}

const NO_SPAN: SpanHandle = { setAttributes: () => undefined, fail: () => undefined };

/** Tracing off: runs the function, records nothing. */
export const NO_TRACER: Tracer = {
  enabled: false,
  span: (_name, _attributes, fn) => fn(NO_SPAN),
  traceparent: () => undefined,
  traceId: () => undefined,
  shutdown: async () => undefined,
};

let processTracer: Tracer = NO_TRACER;

/**
 * The process's tracer. Process-wide like OpenTelemetry's own global provider: a trace crosses
 * layers (request layer → job payload → worker → pipeline → logger) that share no dependency
 * bundle, and threading a tracer through every one of them would touch every signature. The
 * composition root sets it once (`startTracing`); until then it is the no-op.
 */
export function getTracer(): Tracer {
  return processTracer;
}

/** Set by `startTracing` (and tests); returns the previous one. */
export function setTracer(tracer: Tracer): Tracer {
  const previous = processTracer;
  processTracer = tracer;
  return previous;
}
