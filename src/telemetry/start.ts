/**
 * Tracing on or off for this process. Off (no OTEL_EXPORTER_OTLP_ENDPOINT): the no-op tracer and
 * no OpenTelemetry module loaded at all. On: the SDK is imported here, dynamically, and becomes
 * the process's tracer (`getTracer`).
 */
import type { Config } from '../config.ts';
import { NO_TRACER, setTracer, type Tracer } from './tracer.ts';

export async function startTracing(tracing: Config['tracing']): Promise<Tracer> {
  if (!tracing) return NO_TRACER;
  const { createOtelTracer } = await import('./otel.ts');
  const tracer = await createOtelTracer({ serviceName: tracing.serviceName, endpoint: tracing.endpoint });
  setTracer(tracer);
  return tracer;
}
