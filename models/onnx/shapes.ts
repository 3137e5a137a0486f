/**
 * Shape inference, MACs and parameter count for the ONNX IR (pure).
 *
 * In: an `OnnxGraph`. Out: per-tensor shapes without the batch axis ([C, H, W] or [F]), and totals.
 * Bad input (unknown tensor, channel mismatch) throws CXR_ERR_ONNX_GRAPH_INVALID.
 */
import { CxrError } from '../errors.ts';
import { INPUT_NAME, type OnnxGraph, type OnnxNode, type Padding } from './graph.ts';

export type TensorShape = readonly number[];

function invalid(message: string): CxrError {
  return new CxrError('CXR_ERR_ONNX_GRAPH_INVALID', message, { kind: 'input' });
}

function outSize(size: number, kernel: number, stride: number, pads: Padding | undefined, axis: 0 | 1): number {
  if (pads === 'SAME_UPPER') return Math.ceil(size / stride);
  const [before, after] = pads === undefined || pads === 'VALID' ? [0, 0] : [pads[axis], pads[axis + 2] ?? 0];
  return Math.floor((size + (before ?? 0) + after - kernel) / stride) + 1;
}

function spatial(shape: TensorShape, name: string): readonly [number, number, number] {
  if (shape.length !== 3) throw invalid(`tensor ${name} must be [C,H,W], got [${shape.join(',')}]`);
  return shape as unknown as readonly [number, number, number];
}

function nodeShape(node: OnnxNode, get: (name: string) => TensorShape): TensorShape {
  switch (node.op) {
    case 'conv': {
      const [c, h, w] = spatial(get(node.input), node.input);
      const [o, i, kh, kw] = node.weightShape;
      const group = node.group ?? 1;
      if (i * group !== c) throw invalid(`conv ${node.output}: input has ${c} channels, weights expect ${i * group}`);
      if (node.weight.length !== o * i * kh * kw) throw invalid(`conv ${node.output}: weight length mismatch`);
      const [sh, sw] = node.strides ?? [1, 1];
      return [o, outSize(h, kh, sh, node.pads, 0), outSize(w, kw, sw, node.pads, 1)];
    }
    case 'maxpool':
    case 'avgpool': {
      const [c, h, w] = spatial(get(node.input), node.input);
      const [sh, sw] = node.strides ?? node.kernel;
      return [c, outSize(h, node.kernel[0], sh, node.pads, 0), outSize(w, node.kernel[1], sw, node.pads, 1)];
    }
    case 'batchnorm': {
      const shape = get(node.input);
      if (shape[0] !== node.gamma.length) throw invalid(`batchnorm ${node.output}: ${node.gamma.length} != channels`);
      return shape;
    }
    case 'relu':
    case 'sigmoid':
      return get(node.input);
    case 'globalavgpool': {
      const [c] = spatial(get(node.input), node.input);
      return [c, 1, 1];
    }
    case 'concat': {
      const shapes = node.inputs.map((name) => spatial(get(name), name));
      const first = shapes[0];
      if (!first) throw invalid(`concat ${node.output} has no inputs`);
      if (shapes.some((s) => s[1] !== first[1] || s[2] !== first[2])) {
        throw invalid(`concat ${node.output}: spatial sizes differ`);
      }
      return [shapes.reduce((sum, s) => sum + s[0], 0), first[1], first[2]];
    }
    case 'dense': {
      const features = get(node.input).reduce((a, b) => a * b, 1);
      if (features !== node.inFeatures)
        throw invalid(`dense ${node.output}: ${features} features != ${node.inFeatures}`);
      if (node.weight.length !== node.inFeatures * node.units) throw invalid(`dense ${node.output}: weight length`);
      return [node.units];
    }
  }
}

/** Shapes (without batch) of every tensor in the graph, keyed by name. */
export function inferShapes(graph: OnnxGraph): Map<string, TensorShape> {
  const shapes = new Map<string, TensorShape>([
    [INPUT_NAME, [graph.input.channels, graph.input.height, graph.input.width]],
  ]);
  const get = (name: string): TensorShape => {
    const shape = shapes.get(name);
    if (!shape) throw invalid(`tensor ${name} is used before it is produced`);
    return shape;
  };
  for (const node of graph.nodes) {
    if (shapes.has(node.output)) throw invalid(`tensor ${node.output} is produced twice`);
    shapes.set(node.output, nodeShape(node, get));
  }
  return shapes;
}

/** Multiply-accumulates per image and parameter count (BN counts gamma and beta only, as Keras does not). */
export function graphStats(graph: OnnxGraph): { macs: number; params: number } {
  const shapes = inferShapes(graph);
  let macs = 0;
  let params = 0;
  for (const node of graph.nodes) {
    if (node.op === 'conv') {
      const [, h, w] = shapes.get(node.output) as [number, number, number];
      macs += h * w * node.weight.length;
      params += node.weight.length + (node.bias?.length ?? 0);
    } else if (node.op === 'dense') {
      macs += node.weight.length;
      params += node.weight.length + (node.bias?.length ?? 0);
    } else if (node.op === 'batchnorm') {
      params += 4 * node.gamma.length;
    }
  }
  return { macs, params };
}
