/**
 * A fast `Conv2DBackpropInput` for the tfjs wasm backend. Its own kernel is a plain loop (~15 s per train
 * step on a small DenseNet); for stride 1 with odd square kernels and 'same' (or symmetric) padding the input
 * gradient is itself a 'same' convolution of dy with the spatially flipped, in/out-swapped filter:
 *   dx = conv2d(dy, W'),  W'[kh, kw, co, ci] = W[KH-1-kh, KW-1-kw, ci, co]
 * which runs on the backend's XNNPACK Conv2D kernel. Other cases use the backend's original kernel.
 */
import type * as tfType from '@tensorflow/tfjs';

type TensorInfo = tfType.TensorInfo;
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs: Record<string, unknown> };
type KernelFunc = (args: KernelArgs) => TensorInfo;

/** W'[kh, kw, co, ci] = W[KH-1-kh, KW-1-kw, ci, co]. */
export function flipSwapFilter(
  w: Float32Array,
  KH: number,
  KW: number,
  CI: number,
  CO: number,
  out: Float32Array,
): void {
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI * CO;
      const dst = (kh * KW + kw) * CO * CI;
      for (let ci = 0; ci < CI; ci++) {
        for (let co = 0; co < CO; co++) out[dst + co * CI + ci] = w[src + ci * CO + co]!;
      }
    }
  }
}

export function registerWasmConvBackpropInput(tf: typeof tfType): boolean {
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  const conv = tf.getKernel('Conv2D', 'wasm');
  if (!original || !conv) return false;
  if ((original.kernelFunc as { cxrFast?: boolean }).cxrFast) return false;
  const originalFunc = original.kernelFunc as unknown as KernelFunc;
  const convFunc = conv.kernelFunc as unknown as KernelFunc;
  const fast = (args: KernelArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const [KH, KW, CI, CO] = filter.shape as [number, number, number, number];
    const strides = attrs.strides as number | [number, number];
    const [sh, sw] = Array.isArray(strides) ? strides : [strides, strides];
    const pad = attrs.pad;
    const symmetric = pad === 'same' || (typeof pad === 'number' && pad === (KH - 1) / 2);
    const ok = sh === 1 && sw === 1 && KH === KW && KH % 2 === 1 && symmetric && attrs.dataFormat !== 'NCHW';
    if (!ok) return originalFunc(args);
    const b = backend as WasmBackendLike;
    const flipped = b.makeOutput([KH, KW, CO, CI], 'float32');
    flipSwapFilter(b.typedArrayFromHeap(filter), KH, KW, CI, CO, b.typedArrayFromHeap(flipped));
    const out = convFunc({
      inputs: { x: dy, filter: flipped },
      backend,
      attrs: { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    });
    b.disposeData(flipped.dataId);
    return out;
  };
  (fast as { cxrFast?: boolean }).cxrFast = true;
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: fast as never });
  return true;
}
