/**
 * The agent's side of the hub's diagnostic-image upload protocol (docs/viewing.md), over HTTP(S) with the
 * agent's own login (`<site>/<agent>` and its MQTT password, HTTP Basic; use https outside one host).
 *   POST  /api/agent/images            {v, resultId, image}       → {sha256, offset, complete}
 *   PATCH /api/agent/images/:sha256    upload-offset: n, bytes    → {sha256, offset, complete}
 * `upload` announces the image, then sends the rest of the file from the offset the hub has (a cut upload
 * resumes where the hub's copy ends), chunk by chunk, until the hub says it holds all bytes with that sha256.
 * A 409 (the hub's offset differs) continues from the hub's offset. Failures throw CXR_ERR_AGENT_UPLOAD_FAILED
 * (kind internal) with the HTTP status when there was one; the caller retries with backoff.
 */
import { open } from 'node:fs/promises';
import { CxrError } from '../../models/errors.ts';
import type { DiagnosticImage } from '../../protocol/pixel-messages.ts';
import { type HubHttpAnswer, type HubHttpOptions, hubRequest } from './hub-http.ts';

export interface UploadClientOptions extends HubHttpOptions {
  chunkBytes: number;
}

interface UploadState {
  sha256: string;
  offset: number;
  complete: boolean;
}

export class UploadError extends CxrError {
  constructor(
    message: string,
    readonly status?: number,
    cause?: unknown,
  ) {
    super('CXR_ERR_AGENT_UPLOAD_FAILED', message, { kind: 'internal', cause });
  }
}

async function send(
  options: UploadClientOptions,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body: Uint8Array,
): Promise<{ status: number; json: Record<string, unknown> }> {
  let answer: HubHttpAnswer;
  try {
    answer = await hubRequest(options, method, path, headers, body);
  } catch (error) {
    throw new UploadError(`upload failed: ${(error as Error).message}`, undefined, error);
  }
  const text = answer.body.toString('utf8');
  try {
    return { status: answer.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch (error) {
    throw new UploadError(`the hub answered HTTP ${answer.status} with a body that is not JSON`, answer.status, error);
  }
}

function stateOf(answer: { status: number; json: Record<string, unknown> }, expected: number[]): UploadState {
  const { status, json } = answer;
  if (!expected.includes(status)) {
    const error = json.error as { code?: string; message?: string } | undefined;
    throw new UploadError(
      `the hub answered HTTP ${status}: ${error?.code ?? ''} ${error?.message ?? ''}`.trim(),
      status,
    );
  }
  return { sha256: String(json.sha256), offset: Number(json.offset), complete: json.complete === true };
}

/** Uploads one diagnostic image; resolves when the hub confirms it holds the bytes (by sha256). */
export async function uploadDiagnostic(
  options: UploadClientOptions,
  resultId: string,
  image: DiagnosticImage,
  path: string,
): Promise<void> {
  const announce = Buffer.from(JSON.stringify({ v: 1, resultId, image }));
  let state = stateOf(
    await send(options, 'POST', '/api/agent/images', { 'content-type': 'application/json' }, announce),
    [200],
  );
  const file = await open(path, 'r');
  try {
    while (!state.complete) {
      if (!(state.offset >= 0 && state.offset < image.sizeBytes)) {
        throw new UploadError(`the hub reported offset ${state.offset} of ${image.sizeBytes} bytes`);
      }
      const length = Math.min(options.chunkBytes, image.sizeBytes - state.offset);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await file.read(chunk, 0, length, state.offset);
      if (bytesRead !== length) throw new UploadError('the queued image file is shorter than its description');
      const answer = await send(
        options,
        'PATCH',
        `/api/agent/images/${image.sha256}`,
        { 'content-type': 'application/octet-stream', 'upload-offset': state.offset },
        chunk,
      );
      state = stateOf(answer, [200, 409]);
    }
  } finally {
    await file.close();
  }
  if (state.sha256 !== image.sha256) throw new UploadError('the hub confirmed another sha256');
}
