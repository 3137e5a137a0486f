/**
 * Decode speed per format (median ms of several runs, after one warm-up that also loads the wasm codecs),
 * plus preprocess 1024² → 224² (letterbox, 3 channels). Reads the repo's models/samples, or the folder in
 * CXR_BENCH_DATA laid out the same way. Run: node --import tsx bench/decode.ts
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '../models/image/read-image.ts';
import type { DecodedImage } from '../models/image/types.ts';
import type { InputSpec } from '../models/preprocess/input-spec.ts';
import { preprocess } from '../models/preprocess/preprocess.ts';

const CASES: [label: string, relative: string][] = [
  ['PNG 8-bit grey (sharp)', 'nih-fullres/00000061_012.png'],
  ['DICOM implicit VR LE', 'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm'],
  ['DICOM explicit VR LE', 'dicom/derived_transcodes/nih_DX_explicitLE.dcm'],
  ['DICOM RLE 1.2.5 (ours)', 'dicom/derived_transcodes/nih_DX_rle_1.2.5.dcm'],
  ['DICOM JPEG Baseline 4.50 (sharp)', 'dicom/derived_transcodes/nih_DX_jpeg_baseline_4.50.dcm'],
  ['DICOM JPEG Lossless 4.70 (jpeg-lossless-decoder-js)', 'dicom/derived_transcodes/nih_DX_jpeg_lossless_sv1_4.70.dcm'],
  ['DICOM JPEG-LS 4.80 (CharLS wasm)', 'dicom/derived_transcodes/nih_DX_jpegls_lossless_4.80.dcm'],
  ['DICOM JPEG 2000 4.90 (OpenJPEG wasm)', 'dicom/derived_transcodes/nih_DX_j2k_lossless_4.90.dcm'],
  ['DICOM JPEG Extended 12-bit 4.51 (ours)', 'dicom/derived_transcodes/CR-MONO1-10-chest_jpeg_extended_4.51.dcm'],
];

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up (JIT, wasm instantiation)
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

export async function run(): Promise<void> {
  const root = process.env.CXR_BENCH_DATA ?? fileURLToPath(new URL('../models/samples/', import.meta.url));
  process.stdout.write(
    `decode, median of ${RUNS} runs (ms); data: ${process.env.CXR_BENCH_DATA ? root : 'models/samples'}\n`,
  );
  let fullRes: DecodedImage | undefined;
  for (const [label, relative] of CASES) {
    const bytes = await readFile(join(root, relative));
    const image = await readImage(bytes);
    const ms = await time(() => readImage(bytes));
    const megapixels = (image.rows * image.cols) / 1e6;
    process.stdout.write(
      `${label.padEnd(54)} ${`${image.cols}x${image.rows}`.padStart(9)}  ${ms.toFixed(1).padStart(7)} ms  ${(ms / megapixels).toFixed(1).padStart(7)} ms/MP\n`,
    );
    if (image.rows === 1024 && image.cols === 1024) fullRes = image;
  }
  if (!fullRes) return;
  const spec: InputSpec = {
    size: 224,
    channels: 3,
    mean: 0.5,
    std: 0.25,
    resize: 'letterbox',
    padValue: 0,
    layout: 'NCHW',
  };
  const image = fullRes;
  const ms = await time(() => preprocess(image, spec));
  process.stdout.write(
    `${'preprocess 1024² → 224² letterbox, 3 channels'.padEnd(54)} ${''.padStart(9)}  ${ms.toFixed(1).padStart(7)} ms\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
