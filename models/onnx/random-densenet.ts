/**
 * Builds a DenseNet-BC shaped `OnnxGraph` with seeded random weights (pure).
 *
 * In: the shape (input size/channels, growth, layers per block, classes) and a seed. Out: an IR graph laid out
 * like Keras' DenseNet (pre-activation: BN → ReLU → Conv), so conv→BN pairs (bottlenecks, stem) fold and
 * the rest stay BatchNormalization. Used for the tiny test model and for realistic-size benchmarks; it is
 * not a trained model and its probabilities mean nothing.
 */
import type { OnnxGraph, OnnxNode } from './graph.ts';
import { INPUT_NAME } from './graph.ts';

export interface RandomDenseNetOptions {
  size: number;
  channels: 1 | 3;
  classes: number;
  /** Layers per dense block, e.g. DenseNet-121: [6, 12, 24, 16]. */
  blocks: readonly number[];
  growth: number;
  /** Bottleneck width multiplier (DenseNet-BC: 4). */
  bottleneck: number;
  /** Stem filters (DenseNet-121: 64). */
  stemFilters: number;
  /** Stem kernel (DenseNet-121: 7). */
  stemKernel: number;
  seed: number;
}

/** mulberry32: a tiny deterministic PRNG; returns uniform [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildRandomDenseNet(options: RandomDenseNetOptions): OnnxGraph {
  const random = seededRandom(options.seed);
  const uniform = (n: number, scale: number, offset = 0): Float32Array =>
    Float32Array.from({ length: n }, () => offset + (random() * 2 - 1) * scale);
  const nodes: OnnxNode[] = [];
  let counter = 0;
  const next = (prefix: string): string => `${prefix}${counter++}`;

  const conv = (input: string, inC: number, outC: number, k: number, stride = 1): string => {
    const output = next('conv');
    const scale = Math.sqrt(6 / (inC * k * k));
    nodes.push({
      op: 'conv',
      input,
      output,
      weight: uniform(outC * inC * k * k, scale),
      weightShape: [outC, inC, k, k],
      strides: [stride, stride],
      pads: 'SAME_UPPER',
    });
    return output;
  };
  const bnRelu = (input: string, c: number): string => {
    const bn = next('bn');
    nodes.push({
      op: 'batchnorm',
      input,
      output: bn,
      gamma: uniform(c, 0.1, 1),
      beta: uniform(c, 0.1),
      mean: uniform(c, 0.1),
      variance: uniform(c, 0.2, 1),
      epsilon: 1e-3,
    });
    const relu = next('relu');
    nodes.push({ op: 'relu', input: bn, output: relu });
    return relu;
  };

  let x = bnRelu(conv(INPUT_NAME, options.channels, options.stemFilters, options.stemKernel, 2), options.stemFilters);
  const pooled = next('maxpool');
  nodes.push({ op: 'maxpool', input: x, output: pooled, kernel: [3, 3], strides: [2, 2], pads: 'SAME_UPPER' });
  x = pooled;
  let channels = options.stemFilters;
  options.blocks.forEach((layers, blockIndex) => {
    for (let l = 0; l < layers; l++) {
      const width = options.bottleneck * options.growth;
      const bottleneck = conv(bnRelu(x, channels), channels, width, 1);
      const fresh = conv(bnRelu(bottleneck, width), width, options.growth, 3);
      const joined = next('concat');
      nodes.push({ op: 'concat', inputs: [x, fresh], output: joined });
      x = joined;
      channels += options.growth;
    }
    if (blockIndex < options.blocks.length - 1) {
      const reduced = Math.floor(channels / 2);
      const transition = conv(bnRelu(x, channels), channels, reduced, 1);
      const avg = next('avgpool');
      nodes.push({ op: 'avgpool', input: transition, output: avg, kernel: [2, 2], strides: [2, 2] });
      x = avg;
      channels = reduced;
    }
  });
  const featureMap = bnRelu(x, channels);
  nodes.push({ op: 'globalavgpool', input: featureMap, output: 'pooled' });
  const dense = 'logits';
  nodes.push({
    op: 'dense',
    input: 'pooled',
    output: dense,
    weight: uniform(channels * options.classes, 2 / Math.sqrt(channels)),
    inFeatures: channels,
    units: options.classes,
    bias: uniform(options.classes, 0.2),
  });
  nodes.push({ op: 'sigmoid', input: dense, output: 'sigmoid' });
  return {
    name: 'random-densenet',
    input: { channels: options.channels, height: options.size, width: options.size },
    nodes,
    probabilities: 'sigmoid',
    cam: { featureMap, classifier: dense, addBias: true },
  };
}
