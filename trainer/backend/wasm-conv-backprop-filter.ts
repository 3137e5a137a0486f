/**
 * `Conv2DBackpropFilter` for the tfjs wasm backend, which ships without it (so training fails there).
 * dW[kh, kw, ci, co] = sum over (n, oh, ow) of x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n, oh, ow, co].
 * Written as a transposed im2col in JS + the backend's own BatchMatMul kernel: colsT[K, P] (K = kh*kw*ci in
 * HWI order, P = N*OH*OW) then dW = colsT @ dy[P, co]. The wasm BatchMatMul is fast (XNNPACK, ~6 GMAC/s
 * on one core here) only without transposes (transposeA runs ~20x slower), hence the transposed layout.
 * Large matrices are built in chunks of whole images and accumulated to bound memory.
 */
import type * as tfType from '@tensorflow/tfjs';

type TensorInfo = tfType.TensorInfo;
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}
type KernelFunc = (args: {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs: Record<string, unknown>;
}) => TensorInfo;

/** Max floats in one im2col chunk (64 MiB). */
const MAX_COLS = 16 * 1024 * 1024;

export function registerWasmConvBackpropFilter(tf: typeof tfType): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return false;
  const bmmKernel = tf.getKernel('BatchMatMul', 'wasm');
  const addKernel = tf.getKernel('Add', 'wasm');
  if (!bmmKernel || !addKernel) throw new Error('wasm backend kernels BatchMatMul/Add missing');
  const bmm = bmmKernel.kernelFunc as unknown as KernelFunc;
  const add = addKernel.kernelFunc as unknown as KernelFunc;
  const backendUtil = tf.backend_util;

  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: Record<string, TensorInfo>;
    backend: unknown;
    attrs: Record<string, unknown>;
  }) => {
    const b = backend as WasmBackendLike;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = attrs.filterShape as [number, number, number, number];
    const info = backendUtil.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      attrs.strides as [number, number],
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
      false,
      attrs.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast',
    );
    if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
    const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    const P = N * OH * OW;
    const K = KH * KW * C;
    const dy2d: TensorInfo = { dataId: dy.dataId, shape: [1, P, CO], dtype: 'float32' };
    // Chunk over whole images so each chunk's rows are a contiguous slice of dy.
    const rowsPerImage = OH * OW;
    const imagesPerChunk = Math.max(1, Math.min(N, Math.floor(MAX_COLS / (rowsPerImage * K))));
    let acc: TensorInfo | null = null;
    for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
      const n1 = Math.min(N, n0 + imagesPerChunk);
      const rows = (n1 - n0) * rowsPerImage;
      const cols = b.makeOutput([1, K, rows], 'float32');
      const colsData = b.typedArrayFromHeap(cols);
      const xData = b.typedArrayFromHeap(x);
      fillColsT(colsData, xData, n0, n1, { H, W, C, OH, OW, KH, KW, SH, SW, padTop, padLeft });
      let dyPart: TensorInfo = dy2d;
      if (n0 !== 0 || n1 !== N) {
        dyPart = b.makeOutput([1, rows, CO], 'float32');
        const src = b.typedArrayFromHeap(dy);
        b.typedArrayFromHeap(dyPart).set(src.subarray(n0 * rowsPerImage * CO, n1 * rowsPerImage * CO));
      }
      const part = bmm({ inputs: { a: cols, b: dyPart }, backend, attrs: { transposeA: false, transposeB: false } });
      b.disposeData(cols.dataId);
      if (dyPart !== dy2d) b.disposeData(dyPart.dataId);
      if (acc === null) acc = part;
      else {
        const sum = add({ inputs: { a: acc, b: part }, backend, attrs: {} });
        b.disposeData(acc.dataId);
        b.disposeData(part.dataId);
        acc = sum;
      }
    }
    const result = acc as TensorInfo;
    return { dataId: result.dataId, shape: filterShape, dtype: 'float32' };
  };
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: kernelFunc as never });
  return true;
}

interface Geometry {
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  padTop: number;
  padLeft: number;
}

/**
 * Transposed im2col for images [n0, n1): colsT[k][p] with k = (kh, kw, ci) and p = (n, oh, ow) counted
 * from n0; out-of-bounds taps are 0. Loops run along p (contiguous writes).
 */
export function fillColsT(cols: Float32Array, x: Float32Array, n0: number, n1: number, g: Geometry): void {
  const P = (n1 - n0) * g.OH * g.OW;
  const plane = g.OH * g.OW;
  for (let kh = 0; kh < g.KH; kh++) {
    for (let kw = 0; kw < g.KW; kw++) {
      for (let ci = 0; ci < g.C; ci++) {
        const rowBase = ((kh * g.KW + kw) * g.C + ci) * P;
        for (let n = n0; n < n1; n++) {
          const xBase = n * g.H * g.W * g.C + ci;
          let p = rowBase + (n - n0) * plane;
          for (let oh = 0; oh < g.OH; oh++) {
            const ih = oh * g.SH + kh - g.padTop;
            if (ih < 0 || ih >= g.H) {
              cols.fill(0, p, p + g.OW);
              p += g.OW;
              continue;
            }
            const xRow = xBase + ih * g.W * g.C;
            for (let ow = 0; ow < g.OW; ow++, p++) {
              const iw = ow * g.SW + kw - g.padLeft;
              cols[p] = iw < 0 || iw >= g.W ? 0 : x[xRow + iw * g.C]!;
            }
          }
        }
      }
    }
  }
}
