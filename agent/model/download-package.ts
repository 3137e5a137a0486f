/**
 * Download stage of a take-up. In: the desired package's URL, sha256 and size, and the `.part` file to fill.
 * Out: the `.part` file holding exactly those bytes (sha256 checked). HTTP(S) GET with node:http(s); when a
 * `.part` is already there (an earlier attempt, a restart) it asks for the rest with `Range: bytes=<n>-`
 * and appends a 206 (a 200 starts over). A dropped connection or an idle link (`idleTimeoutMs` without a
 * byte) is retried with backoff, resuming where it stopped, up to `attempts` times.
 *
 * Failures: HTTP 4xx or attempts used up → CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED (the `.part` stays, a later
 * take-up resumes it); more or fewer bytes than `sizeBytes` → CXR_ERR_AGENT_MODEL_SIZE_MISMATCH and a
 * wrong sha256 → CXR_ERR_AGENT_MODEL_SHA256_MISMATCH (the `.part` is deleted). An abort rethrows the
 * signal's reason.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CxrError } from '../../models/errors.ts';

export interface DownloadRequest {
  url: string;
  sha256: string;
  sizeBytes: number;
  partPath: string;
  /** CA certificate(s) for https (the agent's `mqtt.caFile`); default: the system CAs. */
  ca?: Buffer;
  idleTimeoutMs: number;
  attempts?: number;
  retryInitialMs?: number;
  signal: AbortSignal;
  onProgress(bytes: number, totalBytes: number): void;
}

function failed(message: string, cause?: unknown): CxrError {
  return new CxrError('CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED', message, { kind: 'internal', cause });
}

/** A status that another attempt will not change (4xx but 408/429). */
class HttpStatusError extends CxrError {
  constructor(readonly status: number) {
    super('CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED', `package URL answered HTTP ${status}`, { kind: 'internal' });
  }
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

function sizeMismatch(message: string): CxrError {
  return new CxrError('CXR_ERR_AGENT_MODEL_SIZE_MISMATCH', message);
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

function get(req: DownloadRequest, offset: number): Promise<IncomingMessage> {
  const url = new URL(req.url);
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, { headers, signal: req.signal, ...(req.ca ? { ca: req.ca } : {}) }, resolve);
    outgoing.setTimeout(req.idleTimeoutMs, () =>
      outgoing.destroy(failed(`no data from the package URL for ${req.idleTimeoutMs} ms`)),
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** One GET from `offset`; appends what arrives. Throws on a broken transfer (the caller resumes). */
async function fetchFrom(req: DownloadRequest, offset: number): Promise<void> {
  const res = await get(req, offset);
  const status = res.statusCode ?? 0;
  if (status === 416) {
    res.resume();
    await rm(req.partPath, { force: true }); // our .part does not fit the package any more: start over
    throw failed('server refused the resume range; starting over');
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new HttpStatusError(status);
  }
  let start = 0;
  if (status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
    if (range?.[2] !== undefined && range[2] !== '*' && Number(range[2]) !== req.sizeBytes) {
      res.resume();
      throw sizeMismatch(`package is ${range[2]} bytes, the desired message says ${req.sizeBytes}`);
    }
    start = range ? Number(range[1]) : Number.NaN;
    if (start !== offset) {
      res.resume();
      await rm(req.partPath, { force: true });
      throw failed(`server resumed at byte ${range?.[1]}, not ${offset}; starting over`);
    }
  } else {
    const length = res.headers['content-length'];
    if (length !== undefined && Number(length) !== req.sizeBytes) {
      res.resume();
      throw sizeMismatch(`package is ${length} bytes, the desired message says ${req.sizeBytes}`);
    }
  }
  const handle = await open(req.partPath, start === 0 ? 'w' : 'a');
  let bytes = start;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > req.sizeBytes) throw sizeMismatch(`server sent more than the desired ${req.sizeBytes} bytes`);
      await handle.write(chunk);
      req.onProgress(bytes, req.sizeBytes);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function downloadPackage(req: DownloadRequest): Promise<void> {
  const attempts = req.attempts ?? 5;
  await mkdir(dirname(req.partPath), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    let have = await sizeOf(req.partPath);
    if (have > req.sizeBytes) {
      await rm(req.partPath, { force: true });
      have = 0;
    }
    if (have < req.sizeBytes) {
      try {
        await fetchFrom(req, have);
      } catch (thrown) {
        if (req.signal.aborted) throw req.signal.reason;
        if (thrown instanceof CxrError && thrown.code === 'CXR_ERR_AGENT_MODEL_SIZE_MISMATCH') {
          await rm(req.partPath, { force: true });
          throw thrown;
        }
        if ((thrown instanceof HttpStatusError && thrown.permanent) || attempt >= attempts) {
          throw failed(`download failed after ${attempt} attempt(s): ${(thrown as Error).message}`, thrown);
        }
        await sleep((req.retryInitialMs ?? 1000) * 2 ** (attempt - 1), undefined, { signal: req.signal });
        continue;
      }
      have = await sizeOf(req.partPath);
      if (have !== req.sizeBytes) {
        await rm(req.partPath, { force: true });
        throw sizeMismatch(`download ended at ${have} bytes, the desired message says ${req.sizeBytes}`);
      }
    }
    req.onProgress(have, req.sizeBytes);
    const actual = await sha256Of(req.partPath);
    if (actual !== req.sha256) {
      await rm(req.partPath, { force: true });
      throw new CxrError(
        'CXR_ERR_AGENT_MODEL_SHA256_MISMATCH',
        `downloaded package sha256 ${actual.slice(0, 12)}… differs from the desired ${req.sha256.slice(0, 12)}…`,
      );
    }
    return;
  }
}
