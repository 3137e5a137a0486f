/**
 * Fetching and decoding a study's lossless PNG on a worker thread (film-decoder-worker.ts), one worker per page,
 * started when the dashboard is idle (`warmFilmDecoder`) so a study opens without waiting for it. Where a worker
 * cannot be had (or dies), the same decoder runs on the page's thread.
 * In: the image's URL. Out: its samples, or null when the hub answers with an error.
 */
import { type PngSamples, pngSamples } from './png-samples.ts';

export interface DecodeRequest {
  id: number;
  url: string;
}

export type DecodeReply = { id: number; error: string } | ({ id: number } & PngSamples);

const WORKER_URL = '/dist/film-decoder.js';

let worker: Worker | null | undefined;
let serial = 0;
type Resolve = (samples: PngSamples | null | PromiseLike<PngSamples | null>) => void;
const waiting = new Map<number, { resolve: Resolve; url: string }>();

async function onThisThread(url: string): Promise<PngSamples | null> {
  const response = await fetch(url, { credentials: 'same-origin' });
  return response.ok ? pngSamples(new Uint8Array(await response.arrayBuffer())) : null;
}

function decoderWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(WORKER_URL, { type: 'module', name: 'film-decoder' });
  } catch {
    worker = null;
    return null;
  }
  worker.onmessage = ({ data }: MessageEvent<DecodeReply>) => {
    const job = waiting.get(data.id);
    waiting.delete(data.id);
    job?.resolve('error' in data ? null : { width: data.width, height: data.height, data: data.data });
  };
  worker.onerror = () => {
    // The worker failed to load or died: what it had in hand is decoded here instead, and so is what comes next.
    worker = null;
    for (const [id, job] of waiting) {
      waiting.delete(id);
      job.resolve(onThisThread(job.url).catch(() => null));
    }
  };
  return worker;
}

/** Starts the decoder's worker ahead of the first film (call when the page is idle). */
export function warmFilmDecoder(): void {
  decoderWorker();
}

export function decodeFilm(url: string): Promise<PngSamples | null> {
  const thread = decoderWorker();
  if (!thread) return onThisThread(url);
  const id = ++serial;
  return new Promise((resolve) => {
    waiting.set(id, { resolve, url });
    thread.postMessage({ id, url } satisfies DecodeRequest);
  });
}
