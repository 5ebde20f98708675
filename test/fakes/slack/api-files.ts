/**
 * Files, as `files.uploadV2` of the WebClient uses them (issue 22's `/scribe export`):
 * `files.getUploadURLExternal` (filename, length → an upload URL and a file id), a POST of the
 * bytes to that URL, then `files.completeUploadExternal` (the file ids, with `channel_id` and
 * `initial_comment` to share them). Kept apart from the chat methods to ease merges; the uploaded
 * files are kept per workspace state (`uploadedFiles`). The `files:write` scope is the manifest's
 * business (not checked here).
 */
import { z } from 'zod';
import { jsonArg, intArg, parseArgs, SlackApiError, type MethodContext, type MethodDef } from './api.ts';
import { slackId } from './ids.ts';
import type { SlackState } from './state.ts';

export interface FakeFile {
  id: string;
  filename: string;
  length: number;
  /** The uploaded bytes as UTF-8; undefined until uploaded. */
  content?: string;
  title?: string;
  /** Where it was shared (`files.completeUploadExternal`). */
  channel?: string;
  initialComment?: string;
  completed: boolean;
}

const FILES = new WeakMap<SlackState, Map<string, FakeFile>>();

/** The files of a workspace, by id. */
export function uploadedFiles(state: SlackState): Map<string, FakeFile> {
  let files = FILES.get(state);
  if (!files) {
    files = new Map();
    FILES.set(state, files);
  }
  return files;
}

const UploadArgs = z.object({ filename: z.string().min(1), length: intArg });

function getUploadUrl({ state, args, origin }: MethodContext): Record<string, unknown> {
  const { filename, length } = parseArgs(UploadArgs, args);
  const id = slackId('F', 10);
  uploadedFiles(state).set(id, { id, filename, length, completed: false });
  return { upload_url: `${origin ?? 'http://127.0.0.1'}/upload/v1/${id}`, file_id: id };
}

const CompleteArgs = z.object({
  files: jsonArg(z.array(z.object({ id: z.string(), title: z.string().optional() })).min(1)),
  channel_id: z.string().optional(),
  initial_comment: z.string().optional(),
});

function complete({ state, args }: MethodContext): Record<string, unknown> {
  const { files, channel_id: channel, initial_comment: initialComment } = parseArgs(CompleteArgs, args);
  const done = files.map(({ id, title }) => {
    const file = uploadedFiles(state).get(id);
    if (!file || file.content === undefined) throw new SlackApiError('file_not_found');
    Object.assign(file, { completed: true, title, channel, initialComment });
    return { id, name: file.filename, title: title ?? file.filename };
  });
  return { files: done };
}

/**
 * A POST of a file's bytes to its upload URL — raw, or as multipart form data with one file part
 * (as the WebClient sends it): 200 "OK - <length>" as Slack answers, 404 for an unknown id.
 */
export async function handleUpload(
  state: SlackState,
  path: string,
  raw: string,
  contentType: string,
): Promise<{ status: number; body: string }> {
  const id = /^\/upload\/v1\/(\w+)$/.exec(path)?.[1];
  const file = id ? uploadedFiles(state).get(id) : undefined;
  if (!file) return { status: 404, body: 'not found' };
  let content = raw;
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const part = [...form.values()].find((v) => typeof v !== 'string');
    content = part ? await part.text() : '';
  }
  file.content = content;
  return { status: 200, body: `OK - ${Buffer.byteLength(content)}` };
}

export const filesMethods: Record<string, MethodDef> = {
  'files.getUploadURLExternal': { token: 'bot', handle: getUploadUrl },
  'files.completeUploadExternal': { token: 'bot', handle: complete },
};
