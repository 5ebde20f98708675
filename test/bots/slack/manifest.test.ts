/**
 * slack/manifest.yml agrees with the code: the command, the one Request URL path, the event the
 * bot listens to, and exactly the scopes of the Web API methods it calls.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../../src/bots/slack/bot.ts';
import { AGENT_PROMPTS, COMMAND } from '../../../src/bots/slack/ids.ts';

const manifest = readFileSync(new URL('../../../slack/manifest.yml', import.meta.url), 'utf8');
/** The list items under a key, e.g. `bot:` → its `- item` lines (comments skipped). */
function listUnder(key: string): string[] {
  const lines = manifest.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${key}:`);
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim().startsWith('#')) continue;
    const item = /^\s*- (\S+)\s*$/.exec(line);
    if (!item) break;
    items.push(item[1]!);
  }
  return items;
}

describe('Slack app manifest', () => {
  it('declares the command, and points every Request URL at /slack/events', () => {
    expect(manifest).toContain(`- command: ${COMMAND}\n`);
    const urls = [...manifest.matchAll(/^\s*(?:url|request_url): (\S+)$/gm)].map((m) => m[1]);
    expect(urls).toEqual(Array(3).fill(`https://YOUR-HOST${SLACK_EVENTS_PATH}`));
    expect(manifest).toMatch(/^\s*socket_mode_enabled: false$/m);
    expect(manifest).toMatch(/interactivity:\n\s+is_enabled: true/);
  });

  it('subscribes to reaction_added, app_home_opened and the agent view’s message.im, and asks for only the scopes Scribe uses', () => {
    // agent_view apps get app_home_opened (tab "messages") instead of assistant_thread_started, and
    // the person's messages as message.im (Slack's "Migrating to the Agent messaging experience").
    expect(listUnder('bot_events')).toEqual(['reaction_added', 'app_home_opened', 'message.im']);
    expect(manifest).toMatch(/app_home:\n\s+home_tab_enabled: true/);
    expect(listUnder('bot').sort()).toEqual([
      'assistant:write',
      'channels:history',
      'channels:join',
      'chat:write',
      'chat:write.public',
      'commands',
      'files:write',
      'groups:history',
      'im:history',
      'im:write',
      'reactions:read',
      'users:read',
    ]);
  });

  it('declares the agent view with the three prompts Scribe answers, within Slack’s limits', () => {
    const description = /\n {2}agent_view:\n {4}agent_description: (\S.*)\n/.exec(manifest)?.[1];
    expect(description?.length).toBeLessThanOrEqual(300);
    const titles = [...manifest.matchAll(/^\s*- title: (.+)$/gm)].map((m) => m[1]);
    const messages = [...manifest.matchAll(/^\s*message: (.+)$/gm)].map((m) => m[1]);
    expect(titles).toEqual([...AGENT_PROMPTS]);
    expect(messages).toEqual([...AGENT_PROMPTS]);
    expect(titles.length).toBeLessThanOrEqual(4);
    expect(manifest).not.toMatch(/assistant_view:/);
  });

  it('lets people write in the Messages tab, where the agent view’s conversation is', () => {
    expect(manifest).toMatch(
      /app_home:\n(?:\s+\S.*\n)*?\s+messages_tab_enabled: true\n\s+messages_tab_read_only_enabled: false\n/,
    );
  });
});
