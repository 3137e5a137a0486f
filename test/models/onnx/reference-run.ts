/**
 * A plain-TypeScript interpreter of the ONNX IR for one image (CHW), straight from the operator
 * definitions, with no folding: the reference the written ONNX is checked against in both runtimes.
 */
import type { OnnxGraph, OnnxNode, Padding } from '../../../models/onnx/graph.ts';
import { inferShapes } from '../../../models/onnx/shapes.ts';

type Tensor = { data: Float32Array; shape: readonly number[] };

function padsOf(pads: Padding | undefined, inH: number, inW: number, k: readonly number[], s: readonly number[]) {
  if (pads === 'SAME_UPPER') {
    const totalH = Math.max(0, (Math.ceil(inH / (s[0] ?? 1)) - 1) * (s[0] ?? 1) + (k[0] ?? 1) - inH);
    const totalW = Math.max(0, (Math.ceil(inW / (s[1] ?? 1)) - 1) * (s[1] ?? 1) + (k[1] ?? 1) - inW);
    return { top: Math.floor(totalH / 2), left: Math.floor(totalW / 2) };
  }
  if (pads === undefined || pads === 'VALID') return { top: 0, left: 0 };
  return { top: pads[0], left: pads[1] };
}

function window(
  x: Tensor,
  out: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  pads: Padding | undefined,
  reduce: (values: number[]) => number,
): Float32Array {
  const [c, h, w] = x.shape as [number, number, number];
  const [, oh, ow] = out as [number, number, number];
  const { top, left } = padsOf(pads, h, w, kernel, strides);
  const result = new Float32Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        const values: number[] = [];
        for (let ky = 0; ky < (kernel[0] ?? 1); ky++)
          for (let kx = 0; kx < (kernel[1] ?? 1); kx++) {
            const iy = y * (strides[0] ?? 1) + ky - top;
            const ix = xx * (strides[1] ?? 1) + kx - left;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) values.push(x.data[(ch * h + iy) * w + ix] ?? 0);
          }
        result[(ch * oh + y) * ow + xx] = reduce(values);
      }
  return result;
}

function conv(node: Extract<OnnxNode, { op: 'conv' }>, x: Tensor, out: readonly number[]): Float32Array {
  const [c, h, w] = x.shape as [number, number, number];
  const [o, i, kh, kw] = node.weightShape;
  const [, oh, ow] = out as [number, number, number];
  const [sh, sw] = node.strides ?? [1, 1];
  const { top, left } = padsOf(node.pads, h, w, [kh, kw], [sh, sw]);
  const perGroupOut = o / (node.group ?? 1);
  const result = new Float32Array(o * oh * ow);
  for (let oc = 0; oc < o; oc++) {
    const g = Math.floor(oc / perGroupOut);
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let sum = node.bias?.[oc] ?? 0;
        for (let ic = 0; ic < i; ic++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = y * sh + ky - top;
              const ix = xx * sw + kx - left;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const cin = g * i + ic;
              if (cin >= c) continue;
              sum += (node.weight[((oc * i + ic) * kh + ky) * kw + kx] ?? 0) * (x.data[(cin * h + iy) * w + ix] ?? 0);
            }
        result[(oc * oh + y) * ow + xx] = sum;
      }
  }
  return result;
}

function dense(weight: Float32Array, bias: Float32Array | undefined, input: Float32Array, units: number): Float32Array {
  const out = new Float32Array(units);
  for (let j = 0; j < units; j++) {
    let sum = bias?.[j] ?? 0;
    for (let i = 0; i < input.length; i++) sum += (input[i] ?? 0) * (weight[i * units + j] ?? 0);
    out[j] = sum;
  }
  return out;
}

/** Runs the graph on one CHW image; returns probabilities and the CAM [K, h, w]. */
export function referenceRun(
  graph: OnnxGraph,
  image: Float32Array,
): { probabilities: Float32Array; cam: Float32Array } {
  const shapes = inferShapes(graph);
  const tensors = new Map<string, Tensor>([['input', { data: image, shape: shapes.get('input') ?? [] }]]);
  const get = (name: string): Tensor => tensors.get(name) as Tensor;
  for (const node of graph.nodes) {
    const out = shapes.get(node.output) ?? [];
    let data: Float32Array;
    if (node.op === 'conv') data = conv(node, get(node.input), out);
    else if (node.op === 'batchnorm') {
      const x = get(node.input);
      const per = x.data.length / node.gamma.length;
      data = x.data.map((v, idx) => {
        const c = Math.floor(idx / per);
        const scale = (node.gamma[c] ?? 1) / Math.sqrt((node.variance[c] ?? 1) + node.epsilon);
        return (v - (node.mean[c] ?? 0)) * scale + (node.beta[c] ?? 0);
      });
    } else if (node.op === 'relu') data = get(node.input).data.map((v) => Math.max(0, v));
    else if (node.op === 'sigmoid') data = get(node.input).data.map((v) => 1 / (1 + Math.exp(-v)));
    else if (node.op === 'concat') {
      data = new Float32Array(out.reduce((a, b) => a * b, 1));
      let offset = 0;
      for (const name of node.inputs) {
        data.set(get(name).data, offset);
        offset += get(name).data.length;
      }
    } else if (node.op === 'globalavgpool') {
      const x = get(node.input);
      const [c, h, w] = x.shape as [number, number, number];
      data = new Float32Array(c);
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let p = 0; p < h * w; p++) sum += x.data[ch * h * w + p] ?? 0;
        data[ch] = sum / (h * w);
      }
    } else if (node.op === 'maxpool' || node.op === 'avgpool') {
      const reduce =
        node.op === 'maxpool'
          ? (v: number[]) => Math.max(...v)
          : (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      data = window(get(node.input), out, node.kernel, node.strides ?? node.kernel, node.pads, reduce);
    } else if (node.op === 'dense') data = dense(node.weight, node.bias, get(node.input).data, node.units);
    else throw new Error(`unknown op ${(node as OnnxNode).op}`);
    tensors.set(node.output, { data, shape: out });
  }
  const classifier = graph.nodes.find((n) => n.op === 'dense' && n.output === graph.cam.classifier);
  const feature = get(graph.cam.featureMap);
  if (classifier?.op !== 'dense') throw new Error('no classifier');
  const [c, h, w] = feature.shape as [number, number, number];
  const cam = new Float32Array(classifier.units * h * w);
  for (let k = 0; k < classifier.units; k++)
    for (let p = 0; p < h * w; p++) {
      let sum = graph.cam.addBias ? (classifier.bias?.[k] ?? 0) : 0;
      for (let ch = 0; ch < c; ch++)
        sum += (classifier.weight[ch * classifier.units + k] ?? 0) * (feature.data[ch * h * w + p] ?? 0);
      cam[k * h * w + p] = sum;
    }
  return { probabilities: get(graph.probabilities).data, cam };
}
