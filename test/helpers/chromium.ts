/**
 * Whether browser tests can run. They run when Chromium is installed and are skipped with a
 * printed reason when it is not — except in CI, which installs it: there a missing browser fails.
 */
import fs from 'node:fs';

export const CHROMIUM =
  process.env.CHROMIUM_PATH ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export function chromiumOrSkip(): boolean {
  if (CHROMIUM && fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error('Chromium is required in CI (CHROMIUM_PATH or /usr/bin/chromium) but was not found');
  console.warn("[tests] skipping browser tests: Chromium not found (install Debian's chromium or set CHROMIUM_PATH)");
  return false;
}
