/**
 * Decode speed per format (median ms of several runs, after one warm-up that also loads the wasm codecs),
 * plus preprocess 1024² → 224² (letterbox, 3 channels), and the JPEG 2000 frame decoders side by side (the
 * system's native OpenJPEG through koffi, and the OpenJPEG wasm build), with the CPU time of each (less
 * sensitive than wall time to a loaded machine). Reads the repo's models/samples, or the folder in
 * CXR_BENCH_DATA laid out the same way. Run: node --import tsx bench/decode.ts
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOpenJpeg, loadOpenJpeg } from '../models/image/dicom/codecs/openjpeg-native.ts';
import { decodeWasm } from '../models/image/dicom/codecs/wasm-decode.ts';
import { readDicomHeader } from '../models/image/dicom/dicom-header.ts';
import { encapsulatedFrameBytes } from '../models/image/dicom/frame-bytes.ts';
import { parseDicom } from '../models/image/dicom/parse-dicom.ts';
import { readImage } from '../models/image/read-image.ts';
import { sniffFormat } from '../models/image/sniff-format.ts';
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
  ['DICOM JPEG 2000 4.90 (OpenJPEG native, else wasm)', 'dicom/derived_transcodes/nih_DX_j2k_lossless_4.90.dcm'],
  ['DICOM JPEG Extended 12-bit 4.51 (ours)', 'dicom/derived_transcodes/CR-MONO1-10-chest_jpeg_extended_4.51.dcm'],
];

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  return (await timeWithCpu(fn)).ms;
}

/** Median wall ms and median CPU ms (user + system, this thread's process) of RUNS runs after a warm-up. */
async function timeWithCpu(fn: () => Promise<unknown> | unknown): Promise<{ ms: number; cpuMs: number }> {
  await fn(); // warm-up (JIT, wasm instantiation)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(cpuStart);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu) };
}

/** The JPEG 2000 frame decoders on the same codestream: native OpenJPEG (koffi) and the wasm build. */
async function jpeg2000Decoders(root: string): Promise<void> {
  const bytes = await readFile(join(root, 'dicom/derived_transcodes/nih_DX_j2k_lossless_4.90.dcm'));
  const { dataSet, transferSyntax } = parseDicom(bytes, sniffFormat(bytes));
  const header = readDicomHeader(dataSet, transferSyntax);
  const frame = encapsulatedFrameBytes(dataSet, header);
  const expected = { rows: header.rows, cols: header.cols, signed: false, mct: false };
  const native = loadOpenJpeg();
  const rows: [string, () => unknown][] = [
    ['OpenJPEG wasm (@cornerstonejs/codec-openjpeg)', () => decodeWasm('openjpeg', frame, expected)],
  ];
  if (native) rows.unshift(['OpenJPEG native (libopenjp2 2.5, koffi)', () => decodeOpenJpeg(native, frame, expected)]);
  else process.stdout.write('JPEG 2000: libopenjp2.so.7 not installed; wasm only\n');
  for (const [label, fn] of rows) {
    const { ms, cpuMs } = await timeWithCpu(fn);
    process.stdout.write(
      `${`J2K frame 1024² lossless: ${label}`.padEnd(72)} ${ms.toFixed(1).padStart(7)} ms  ${cpuMs.toFixed(1).padStart(7)} ms CPU\n`,
    );
  }
}

export async function run(): Promise<void> {
  const root = process.env.CXR_BENCH_DATA ?? fileURLToPath(new URL('../models/samples/', import.meta.url));
  process.stdout.write(
    `decode, median of ${RUNS} runs (ms); data: ${process.env.CXR_BENCH_DATA ? root : 'models/samples'}\n`,
  );
  process.stdout.write(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  await jpeg2000Decoders(root);
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
