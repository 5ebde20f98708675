/**
 * A process that reads web pages as the worker does (Config from the environment, the URL guard,
 * the shared browser and the page reader), for the tests that show a hostile page cannot take the
 * process down. It reads the URLs given as arguments one after another, logs `page read` (`url`,
 * `ok`, `via` and `text`, or `error`) for each, then `all read`, and stays up until SIGTERM, so a
 * test can check it is still alive. TEST_THROW_ON=TEXT makes the router's handling of every
 * request whose URL contains TEXT throw (the browser's test hook).
 */
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createBrowserPool } from '../../src/pipeline/clients/browser.ts';
import { createPageReader } from '../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../src/pipeline/clients/ssrf.ts';

const config = loadConfig(process.env);
const logger = createLogger({ level: 'info', name: 'page-read-child' });
if (!config.chromiumPath) throw new Error('page-read-child needs a browser (CHROMIUM_PATH)');
const throwOn = process.env.TEST_THROW_ON;
const browser = createBrowserPool({
  executablePath: config.chromiumPath,
  logger,
  onRequest: (request) => {
    if (throwOn && request.url().includes(throwOn)) throw new Error(`test hook: refusing ${request.url()}`);
  },
});
const guard = createUrlGuard({ allowHosts: config.scrapeAllowHosts });
const pages = createPageReader({ guard, browser, logger, timeoutMs: 15_000 });

for (const url of process.argv.slice(2)) {
  try {
    const page = await pages.read(url);
    logger.info({ url, ok: true, via: page.via, text: page.text }, 'page read');
  } catch (err) {
    logger.info({ url, ok: false, error: err instanceof Error ? err.message : String(err) }, 'page read');
  }
}
logger.info({ browserRunning: browser.isRunning() }, 'all read');

const keepAlive = setInterval(() => undefined, 60_000);
process.once('SIGTERM', () => {
  clearInterval(keepAlive);
  void pages.close().then(() => logger.flush(() => process.exit(0)));
});
