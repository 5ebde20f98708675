/**
 * Files, as `filesUploadV2` uses them (Slack's upload flow since files.upload was retired):
 * `files.getUploadURLExternal` (filename, length) answers an `upload_url` on this fake and a
 * `file_id`; the bytes are POSTed there (see http.ts, `/upload/v1/<file_id>`); then
 * `files.completeUploadExternal` (`files` as JSON `[{id, title}]`, `channel_id`, optional
 * `thread_ts`, `initial_comment`) shares them, which posts a message holding the files. Both
 * methods need the `files:write` scope (`missing_scope` otherwise), as Slack's do.
 */
import { z } from 'zod';
import { intArg, jsonArg, parseArgs, SlackApiError, type MethodContext, type MethodDef } from './api.ts';
import { postableChannel } from './api-chat.ts';
import { slackId } from './ids.ts';
import type { SlackState } from './state.ts';

function needFilesWrite(state: SlackState): void {
  if (!state.scopes.has('files:write'))
    throw new SlackApiError('missing_scope', { needed: 'files:write', provided: [...state.scopes].join(',') });
}

const uploadArgs = z.object({ filename: z.string().min(1), length: intArg.pipe(z.number().int().min(1)) });

function getUploadURLExternal({ state, args, baseUrl }: MethodContext): Record<string, unknown> {
  needFilesWrite(state);
  const a = parseArgs(uploadArgs, args);
  const id = slackId('F');
  state.files.set(id, { id, name: a.filename, title: a.filename, length: a.length, completed: false });
  return { upload_url: `${baseUrl}/upload/v1/${id}`, file_id: id };
}

const completeArgs = z.object({
  files: jsonArg(z.array(z.object({ id: z.string().min(1), title: z.string().optional() })).min(1)),
  channel_id: z.string().optional(),
  thread_ts: z.string().optional(),
  initial_comment: z.string().optional(),
});

function completeUploadExternal({ state, args }: MethodContext): Record<string, unknown> {
  needFilesWrite(state);
  const a = parseArgs(completeArgs, args);
  const files = a.files.map((f) => {
    const file = state.files.get(f.id);
    // Slack knows no file that was never announced, nor one whose bytes never arrived.
    if (!file || file.content === undefined || file.completed) throw new SlackApiError('file_not_found');
    if (f.title) file.title = f.title;
    return file;
  });
  if (a.thread_ts && !a.channel_id) throw new SlackApiError('invalid_arguments');
  for (const file of files) file.completed = true;
  if (a.channel_id) {
    const channel = postableChannel(state, a.channel_id);
    const parent = a.thread_ts ? state.find(channel.id, a.thread_ts) : undefined;
    if (a.thread_ts && !parent) throw new SlackApiError('thread_not_found');
    state.post({
      channel: channel.id,
      user: state.bot.userId,
      botId: state.bot.botId,
      text: a.initial_comment ?? '',
      ...(parent ? { threadTs: parent.threadTs ?? parent.ts } : {}),
      files,
    });
  }
  return {
    files: files.map((f) => ({ id: f.id, name: f.name, title: f.title, size: f.content?.length ?? 0 })),
  };
}

/** The files methods, by Web API name. */
export const filesMethods: Record<string, MethodDef> = {
  'files.getUploadURLExternal': { token: 'bot', handle: getUploadURLExternal },
  'files.completeUploadExternal': { token: 'bot', handle: completeUploadExternal },
};
