/**
 * Loaded with `node --import` before Scribe's own modules when tracing is on (`boot.ts` adds the
 * flag when OTEL_EXPORTER_OTLP_ENDPOINT is set; with it unset this file is never loaded).
 *
 * Why: the SDK's http and pg instrumentations patch those modules as they are loaded, and Scribe
 * is ESM: an `import` is only seen through a loader hook (import-in-the-middle, shipped with
 * `@opentelemetry/instrumentation`), and only when the hook and the instrumentations are in place
 * before the first import of `pg` or `node:http`. Started from `main.ts` they would come too late
 * and only undici (diagnostics channels) would record. The hook intercepts only the instrumented
 * modules, so the rest of the app loads as it would untraced. The tracer provider itself is set
 * later by `startTracing` (it needs the validated config); spans before that are not recorded.
 */
import module from 'node:module';
import { INSTRUMENTED_MODULES, registerSdkInstrumentations } from './instrumentations.ts';

const iitm = await import('import-in-the-middle/register-hooks.mjs');
if (iitm.supportsSyncHooks()) {
  // In-thread hooks (Node ≥ 24.11.1): no loader thread, whose isolate would cost idle memory.
  iitm.register({ include: INSTRUMENTED_MODULES });
} else {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions } = createAddHookMessageChannel();
  module.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    ...registerOptions,
    data: { ...registerOptions.data, include: INSTRUMENTED_MODULES },
  });
}
registerSdkInstrumentations();
