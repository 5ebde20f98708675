/**
 * One PostgreSQL server for the whole test run: `DATABASE_URL` when set (CI starts Debian's
 * postgresql), otherwise the embedded one in a temporary directory. Each test file then makes a
 * database of its own (test/helpers/db.ts), so files running in parallel never share state.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded.ts';
import { silentLogger } from '../src/log.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin connection URL of the test server; test files create their own databases on it. */
    databaseUrl: string;
  }
}

let embedded: EmbeddedPostgres | undefined;
let tempDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.DATABASE_URL;
  if (!url) {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-test-pg-'));
    await fs.chmod(tempDir, 0o755);
    // Test files run in parallel, each with its own pools and worker processes.
    embedded = await startEmbeddedPostgres({
      dataDir: tempDir,
      logger: silentLogger(),
      settings: { max_connections: 300, shared_buffers: '128MB' },
    });
    url = embedded.url;
    console.info(`[tests] DATABASE_URL is unset: using an embedded PostgreSQL on port ${embedded.port}`);
  }
  project.provide('databaseUrl', url);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
}
