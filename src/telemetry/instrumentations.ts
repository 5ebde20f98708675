/**
 * The OpenTelemetry SDK's own instrumentations, registered once per process: undici (fetch — the
 * Anthropic and Exa SDKs, Discord REST), http (Slack's Web API through axios, page reads, and the
 * requests Scribe's HTTP server answers) and pg. Part of the tracing-on path only: imported by
 * `preload.ts` (before the app, so the patches take) and by `otel.ts`.
 *
 * undici reports on diagnostics channels and works whenever it is registered; http and pg are
 * patched as they are loaded, so they need `preload.ts` to run before anything imports them.
 */
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** Modules the ESM loader hook intercepts (`preload.ts`): those the instrumentations patch. */
export const INSTRUMENTED_MODULES = ['pg', 'http', 'https'];

/** Paths never traced: health checks and scrapes would each be a trace of their own. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

function isUpgrade(headers: unknown): boolean {
  if (!headers || typeof headers !== 'object') return false;
  return Object.entries(headers).some(
    ([k, v]) => k.toLowerCase() === 'upgrade' && String(v).toLowerCase() === 'websocket',
  );
}

let registered = false;

/** Registers them (once); they record through the global tracer provider once one is set. */
export function registerSdkInstrumentations(): void {
  if (registered) return;
  registered = true;
  registerInstrumentations({
    instrumentations: [
      new UndiciInstrumentation(),
      new HttpInstrumentation({
        // The OTLP exporter's own requests would trace themselves for ever. A WebSocket (Discord's
        // gateway, Slack's Socket Mode) is no call: its span would last as long as the connection
        // and parent every event it delivers, putting every request into one endless trace.
        ignoreOutgoingRequestHook: (req) => String(req.path ?? '').endsWith('/v1/traces') || isUpgrade(req.headers),
        ignoreIncomingRequestHook: (req) => QUIET_PATHS.has(String(req.url ?? '').split('?')[0] ?? ''),
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
}
