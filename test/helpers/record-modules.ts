/**
 * Preload (`node --import`) that records every module the process resolves — ESM imports and
 * require() alike, through Node's synchronous module hooks — and, on SIGUSR2, writes them and the
 * process's RSS to $RECORD_MODULES_OUT. Tests use it to see what an idle process has loaded.
 */
import fs from 'node:fs';
import module from 'node:module';

/** Module URL → the URL of the first module that imported it. */
const loaded = new Map<string, string>();
module.registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (!loaded.has(result.url)) loaded.set(result.url, context.parentURL ?? '');
    return result;
  },
});
process.on('SIGUSR2', () => {
  const out = process.env.RECORD_MODULES_OUT;
  const modules = [...loaded].map(([url, parent]) => ({ url, parent }));
  if (out) fs.writeFileSync(out, JSON.stringify({ modules, rss: process.memoryUsage().rss }));
});
