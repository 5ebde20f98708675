/**
 * Whether browser tests can run. They run when Chromium is installed and are skipped with a
 * printed reason when it is not — except in CI, which installs it: there a missing browser fails.
 * The browser is found as the app finds it: CHROMIUM_PATH, else the first default installed
 * (Debian's chromium-headless-shell first, then chromium).
 */
import fs from 'node:fs';
import { DEFAULTS, defaultChromium } from '../../src/config.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH || defaultChromium();

export function chromiumOrSkip(): boolean {
  if (CHROMIUM && fs.existsSync(CHROMIUM)) return true;
  const where = `CHROMIUM_PATH or one of ${DEFAULTS.chromiumCandidates.join(', ')}`;
  if (process.env.CI) throw new Error(`Chromium is required in CI (${where}) but was not found`);
  console.warn(
    `[tests] skipping browser tests: Chromium not found (${where}; Debian: apt install chromium-headless-shell)`,
  );
  return false;
}
