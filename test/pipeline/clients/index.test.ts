import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { ErrorCode, PermanentError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { createPipelineClients } from '../../../src/pipeline/clients/index.ts';

const config = (env: Record<string, string>) => loadConfig(env, { fileExists: () => false });
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('createPipelineClients', () => {
  it('answers with a permanent "not configured" error naming the missing key', async () => {
    const clients = createPipelineClients(config({}), silentLogger());
    const request = { model: 'm', system: 's', messages: [{ role: 'user' as const, content: 'q' }], maxTokens: 10 };
    const llm = await failureOf(clients.llm.complete(request));
    expect(llm).toBeInstanceOf(PermanentError);
    expect(llm).toMatchObject({
      code: ErrorCode.NotConfigured,
      message: 'ANTHROPIC_API_KEY is not set, so Scribe cannot ask Claude (Anthropic): set it and restart.',
    });
    expect(await failureOf(clients.search.search('q', { numResults: 1, textChars: 20_000 }))).toMatchObject({
      code: ErrorCode.NotConfigured,
      message: 'EXA_API_KEY is not set, so Scribe cannot search the web (Exa): set it and restart.',
    });
    expect(clients.browser).toBeUndefined();
    await clients.close();
  });

  it('builds a browser pool only when Chromium is configured, and launches nothing up front', async () => {
    const clients = createPipelineClients(
      loadConfig({ CHROMIUM_PATH: '/opt/chromium' }, { fileExists: () => true }),
      silentLogger(),
    );
    expect(clients.browser?.isRunning()).toBe(false);
    await clients.close();
  });
});
