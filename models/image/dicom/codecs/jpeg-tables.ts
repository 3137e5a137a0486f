/** Tables and transforms of the sequential JPEG decoder (ITU T.81 Annex A, C, F). Pure. */

/** Zig-zag index k → natural (row-major) position (T.81 Figure A.6). */
export const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
]);

/** T.81 F.2.2.3 decoder tables, indexed by code length 1..16. */
export interface HuffmanTable {
  minCode: Int32Array;
  maxCode: Int32Array;
  valPtr: Int32Array;
  values: Uint8Array;
}

/** T.81 C.2 (Generate_size_table/Generate_code_table) and F.2.2.3 (Decoder_tables). */
export function buildHuffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const minCode = new Int32Array(17);
  const maxCode = new Int32Array(17).fill(-1);
  const valPtr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const count = counts[length - 1] ?? 0;
    if (count > 0) {
      valPtr[length] = k;
      minCode[length] = code;
      code += count;
      k += count;
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  return { minCode, maxCode, valPtr, values: values.slice() };
}

/** cos((2x+1)uπ/16) · C(u)/2, row x, column u. */
const COS = (() => {
  const table = new Float32Array(64);
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++)
      table[x * 8 + u] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return table;
})();

const scratch = new Float32Array(64);

/**
 * T.81 A.3.3 inverse DCT of dequantised coefficients (natural order), level shift by 2^(P-1), rounded and
 * clamped to [0, 2^P - 1], written into `out` at `offset` with row `stride`.
 */
export function idct8x8(
  coefficients: Float32Array,
  out: Float32Array,
  offset: number,
  stride: number,
  precision: number,
): void {
  // Rows of coefficients that are all zero (most of them in real images) give zero rows: skip the sums.
  for (let v = 0; v < 8; v++) {
    const row = v * 8;
    let nonZero = false;
    for (let u = 0; u < 8; u++) if (coefficients[row + u] !== 0) nonZero = true;
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      if (nonZero) for (let u = 0; u < 8; u++) sum += (COS[x * 8 + u] as number) * (coefficients[row + u] as number);
      scratch[row + x] = sum;
    }
  }
  const shift = 1 << (precision - 1);
  const top = (1 << precision) - 1;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let v = 0; v < 8; v++) sum += (COS[y * 8 + v] as number) * (scratch[v * 8 + x] as number);
      const value = Math.round(sum + shift);
      out[offset + y * stride + x] = Math.max(0, Math.min(top, value));
    }
  }
}
