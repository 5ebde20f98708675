/**
 * `Tracer` on the OpenTelemetry SDK. Imported only by `start.ts`, dynamically, when tracing is on:
 * nothing else may import this file or any `@opentelemetry/*` module.
 *
 * One provider per process with the W3C trace-context propagator, an AsyncLocalStorage context
 * manager (so spans nest across awaits), and the SDK's instrumentations (`instrumentations.ts`:
 * undici, http, pg; the last two only take when `preload.ts` ran first). Spans go out in batches
 * over OTLP/HTTP, or to the exporter a test hands in — either way through `redactingExporter`, so
 * no URL leaves with a token or a query string in it.
 *
 * The global propagator only injects: outgoing calls carry the trace on, but an incoming request's
 * `traceparent` is ignored. Scribe's only incoming requests are chat platforms' (and anyone's who
 * can reach the port, signed or not), none of which is a trace Scribe's spans belong to; a trace
 * continues across processes only through the job payload, read with its own propagator.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { redactingExporter } from './redacting-exporter.ts';
import type { SpanAttributes, SpanHandle, Tracer } from './tracer.ts';

export interface OtelOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string | undefined;
  /** Instead of OTLP: a test's exporter, exported span by span. */
  exporter?: SpanExporter | undefined;
  /** Register the http, undici and pg instrumentations (default true). */
  instrumentations?: boolean | undefined;
}

let globalsRegistered = false;

export async function createOtelTracer(options: OtelOptions): Promise<Tracer> {
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: redactingExporter(options.exporter) }));
  if (options.endpoint) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(
      new BatchSpanProcessor({
        exporter: redactingExporter(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` })),
      }),
    );
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: processors,
  });
  const propagator = new W3CTraceContextPropagator();
  if (!globalsRegistered) {
    globalsRegistered = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(injectOnly(propagator));
    trace.setGlobalTracerProvider(provider);
    // Already registered by `preload.ts` when the process was started traced (then http and pg
    // record too); registered here otherwise, where only undici can still take effect.
    if (options.instrumentations ?? true) (await import('./instrumentations.ts')).registerSdkInstrumentations();
  }
  const tracer = provider.getTracer('scribe');

  return {
    enabled: true,
    span(name, attributes, fn, spanOptions) {
      const parent = spanOptions?.parent
        ? propagator.extract(ROOT_CONTEXT, { traceparent: spanOptions.parent }, TEXT_MAP)
        : context.active();
      return tracer.startActiveSpan(name, { attributes: clean(attributes) }, parent, async (span) => {
        try {
          return await fn(handleOf(span));
        } catch (err) {
          handleOf(span).fail(err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    traceparent() {
      const carrier: Record<string, string> = {};
      propagator.inject(context.active(), carrier, TEXT_MAP);
      return carrier.traceparent;
    },
    traceId() {
      const span = trace.getSpan(context.active());
      return span?.isRecording() ? span.spanContext().traceId : undefined;
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

/** `propagator` for outgoing requests; incoming ones (the http instrumentation's server spans) start a new trace. */
function injectOnly(propagator: TextMapPropagator): TextMapPropagator {
  return {
    inject: (ctx, carrier, setter) => propagator.inject(ctx, carrier, setter),
    extract: (ctx) => ctx,
    fields: () => propagator.fields(),
  };
}

const TEXT_MAP = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

function clean(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}

function handleOf(span: Span): SpanHandle {
  return {
    setAttributes: (attributes) => span.setAttributes(clean(attributes)),
    fail(err) {
      if (err instanceof Error) span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    },
  };
}
