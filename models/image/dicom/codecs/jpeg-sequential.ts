/**
 * Sequential DCT JPEG decoder, Huffman coded, 8- and 12-bit precision (ITU T.81 Annex F: SOF0 and SOF1),
 * as used by DICOM JPEG Extended (4.51). Pure JS, float IDCT, any sampling factors, restart intervals.
 * In: a JPEG stream. Out: interleaved integer samples (no colour transform: YCbCr stays YCbCr).
 * Strict about damage: a bad Huffman code, a run past coefficient 63, entropy-coded data that ends before the
 * last block or holds bytes after it (or before a restart marker) throw. `checkJpegEntropyData` runs the same
 * entropy decoding without the IDCT, to check streams another decoder turns into pixels (libjpeg reports such
 * damage only as a warning, or not at all when the Huffman codes fall back into step).
 * Bad input: throws CXR_ERR_DECODE_FAILED.
 */
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';
import { BitReader } from './jpeg-bit-reader.ts';
import { buildHuffmanTable, type HuffmanTable, idct8x8, ZIGZAG } from './jpeg-tables.ts';

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  plane: Float32Array;
  planeWidth: number;
  dcTable?: HuffmanTable;
  acTable?: HuffmanTable;
  pred: number;
}

function fail(message: string): never {
  throw imageError('CXR_ERR_DECODE_FAILED', `JPEG: ${message}`);
}

/** One block's dequantised coefficients, reused (the decoder is synchronous). */
const coefficients = new Float32Array(64);

function decodeBlock(
  reader: BitReader,
  c: Component,
  quant: Int32Array,
  out: Float32Array,
  precision: number,
  row: number,
  col: number,
  transform: boolean,
): void {
  coefficients.fill(0);
  if (!c.dcTable || !c.acTable) fail('scan uses an undefined Huffman table');
  c.pred += reader.receiveExtend(reader.decode(c.dcTable));
  coefficients[0] = c.pred * (quant[0] ?? 1);
  for (let k = 1; k < 64; ) {
    const rs = reader.decode(c.acTable);
    const r = rs >> 4;
    const s = rs & 15;
    if (s === 0) {
      if (r !== 15) break;
      k += 16;
      continue;
    }
    k += r;
    if (k > 63) fail('AC coefficient index out of range');
    coefficients[ZIGZAG[k] ?? 0] = reader.receiveExtend(s) * (quant[k] ?? 1);
    k++;
  }
  if (transform) idct8x8(coefficients, out, row * 8 * c.planeWidth + col * 8, c.planeWidth, precision);
}

export function decodeJpegSequential(bytes: Uint8Array): CodecFrame {
  return decode(bytes, true);
}

/** Entropy-decodes every block of a sequential Huffman JPEG without making pixels; throws on damage. */
export function checkJpegEntropyData(bytes: Uint8Array): void {
  decode(bytes, false);
}

function decode(bytes: Uint8Array, transform: boolean): CodecFrame {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) fail('no SOI marker');
  const quantTables: Int32Array[] = [];
  const dcTables: HuffmanTable[] = [];
  const acTables: HuffmanTable[] = [];
  let components: Component[] = [];
  let width = 0;
  let height = 0;
  let precision = 8;
  let hMax = 1;
  let vMax = 1;
  let restartInterval = 0;
  let pos = 2;
  const u16 = (at: number): number => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) fail(`expected a marker at byte ${pos}`);
    const marker = bytes[pos + 1] ?? 0;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const length = u16(pos + 2);
    const seg = pos + 4;
    const end = pos + 2 + length;
    if (end > bytes.length) fail('segment runs past the end of the data');
    if (marker === 0xdb) {
      for (let p = seg; p < end; ) {
        const pq = (bytes[p] ?? 0) >> 4;
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[k] = pq ? u16(p + 1 + 2 * k) : (bytes[p + 1 + k] ?? 0);
        quantTables[(bytes[p] ?? 0) & 15] = table;
        p += 1 + 64 * (pq ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      for (let p = seg; p < end; ) {
        const tc = (bytes[p] ?? 0) >> 4;
        const th = (bytes[p] ?? 0) & 15;
        const counts = bytes.subarray(p + 1, p + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffmanTable(counts, bytes.subarray(p + 17, p + 17 + total));
        (tc === 0 ? dcTables : acTables)[th] = table;
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      precision = bytes[seg] ?? 8;
      height = u16(seg + 1);
      width = u16(seg + 3);
      const n = bytes[seg + 5] ?? 0;
      if (width === 0 || height === 0 || n === 0) fail('bad frame header');
      components = [];
      for (let i = 0; i < n; i++) {
        const at = seg + 6 + 3 * i;
        const hv = bytes[at + 1] ?? 0x11;
        components.push({
          id: bytes[at] ?? 0,
          h: hv >> 4 || 1,
          v: hv & 15 || 1,
          tq: bytes[at + 2] ?? 0,
          blocksPerLine: 0,
          blocksPerColumn: 0,
          plane: new Float32Array(0),
          planeWidth: 0,
          pred: 0,
        });
      }
      hMax = Math.max(...components.map((c) => c.h));
      vMax = Math.max(...components.map((c) => c.v));
      const mcusPerLine = Math.ceil(width / (8 * hMax));
      const mcusPerColumn = Math.ceil(height / (8 * vMax));
      for (const c of components) {
        c.blocksPerLine = mcusPerLine * c.h;
        c.blocksPerColumn = mcusPerColumn * c.v;
        c.planeWidth = c.blocksPerLine * 8;
        c.plane = new Float32Array(c.planeWidth * c.blocksPerColumn * 8);
      }
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fail(`unsupported JPEG process (SOF${marker - 0xc0})`);
    } else if (marker === 0xdd) {
      restartInterval = u16(seg);
    } else if (marker === 0xda) {
      if (components.length === 0) fail('scan before frame header');
      const ns = bytes[seg] ?? 0;
      const scan: Component[] = [];
      for (let i = 0; i < ns; i++) {
        const c = components.find((x) => x.id === bytes[seg + 1 + 2 * i]);
        if (!c) fail('scan names an unknown component');
        const tables = bytes[seg + 2 + 2 * i] ?? 0;
        c.dcTable = dcTables[tables >> 4];
        c.acTable = acTables[tables & 15];
        c.pred = 0;
        scan.push(c);
      }
      const ctx = { width, height, hMax, vMax, precision, restartInterval, quantTables, transform };
      pos = decodeScan(bytes, end, scan, ctx);
      continue;
    }
    pos = end;
  }
  if (components.length === 0) fail('no frame header');
  return assemble(components, width, height, hMax, vMax);
}

interface ScanContext {
  width: number;
  height: number;
  hMax: number;
  vMax: number;
  precision: number;
  restartInterval: number;
  quantTables: Int32Array[];
  transform: boolean;
}

/** Data left in the entropy-coded segment means the blocks did not use it up: damage (T.81 F.1.2.3). */
function assertSegmentUsedUp(reader: BitReader, what: string): void {
  if (reader.marker !== 0) fail(`entropy-coded data ends before the ${what} (damaged or cut)`);
  if (reader.skipToMarker() > 0) fail(`bytes left over after the ${what} (damaged data)`);
}

function decodeScan(bytes: Uint8Array, start: number, scan: Component[], ctx: ScanContext): number {
  const reader = new BitReader(bytes, start);
  const single = scan.length === 1;
  const first = scan[0] as Component;
  // T.81 A.2.2: a non-interleaved scan covers only the component's own blocks.
  const compCols = Math.ceil(Math.ceil((ctx.width * first.h) / ctx.hMax) / 8);
  const compRows = Math.ceil(Math.ceil((ctx.height * first.v) / ctx.vMax) / 8);
  const mcusPerLine = single ? compCols : Math.ceil(ctx.width / (8 * ctx.hMax));
  const mcuCount = single ? compCols * compRows : mcusPerLine * Math.ceil(ctx.height / (8 * ctx.vMax));
  for (let mcu = 0; mcu < mcuCount; mcu++) {
    if (ctx.restartInterval > 0 && mcu > 0 && mcu % ctx.restartInterval === 0) {
      assertSegmentUsedUp(reader, 'restart interval');
      if (!reader.restart()) fail('a restart marker is missing (damaged data)');
      for (const c of scan) c.pred = 0;
    }
    const mcuRow = Math.floor(mcu / mcusPerLine);
    const mcuCol = mcu % mcusPerLine;
    for (const c of scan) {
      const quant = ctx.quantTables[c.tq];
      if (!quant) fail('component uses an undefined quantisation table');
      if (single) {
        decodeBlock(reader, c, quant, c.plane, ctx.precision, mcuRow, mcuCol, ctx.transform);
        continue;
      }
      for (let v = 0; v < c.v; v++) {
        for (let h = 0; h < c.h; h++)
          decodeBlock(reader, c, quant, c.plane, ctx.precision, mcuRow * c.v + v, mcuCol * c.h + h, ctx.transform);
      }
    }
  }
  assertSegmentUsedUp(reader, 'last block');
  return reader.pos;
}

function assemble(components: Component[], width: number, height: number, hMax: number, vMax: number): CodecFrame {
  const n = components.length;
  const samples = new Uint16Array(width * height * n);
  components.forEach((c, ci) => {
    const sx = c.h / hMax;
    const sy = c.v / vMax;
    for (let y = 0; y < height; y++) {
      const row = Math.floor(y * sy) * c.planeWidth;
      for (let x = 0; x < width; x++) samples[(y * width + x) * n + ci] = c.plane[row + Math.floor(x * sx)] ?? 0;
    }
  });
  return { samples, samplesPerPixel: n, planar: false };
}
