/**
 * Folds `batchnorm` nodes into the conv that feeds them (pure).
 *
 * In: IR nodes and the tensor names that must stay visible (graph outputs, CAM feature map).
 * Out: new nodes where each foldable conv→BN pair is one conv with scaled weights and a bias:
 *   s = gamma / sqrt(var + eps);  W'[o] = W[o] * s[o];  b'[o] = (b[o] - mean[o]) * s[o] + beta[o].
 * A BN is folded only when its input is a conv output that nothing else reads and that is not protected.
 */
import type { BatchNormNode, ConvNode, OnnxNode } from './graph.ts';
import { nodeInputs } from './graph.ts';

function fold(conv: ConvNode, bn: BatchNormNode): ConvNode {
  const outChannels = conv.weightShape[0];
  const perChannel = conv.weight.length / outChannels;
  const weight = new Float32Array(conv.weight.length);
  const bias = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const scale = (bn.gamma[o] ?? 1) / Math.sqrt((bn.variance[o] ?? 1) + bn.epsilon);
    for (let k = 0; k < perChannel; k++) {
      weight[o * perChannel + k] = (conv.weight[o * perChannel + k] ?? 0) * scale;
    }
    bias[o] = ((conv.bias?.[o] ?? 0) - (bn.mean[o] ?? 0)) * scale + (bn.beta[o] ?? 0);
  }
  return { ...conv, output: bn.output, weight, bias };
}

export function foldBatchNorms(nodes: readonly OnnxNode[], protectedTensors: ReadonlySet<string>): OnnxNode[] {
  const readers = new Map<string, number>();
  for (const node of nodes) {
    for (const name of nodeInputs(node)) readers.set(name, (readers.get(name) ?? 0) + 1);
  }
  const producers = new Map<string, number>();
  nodes.forEach((node, index) => {
    producers.set(node.output, index);
  });

  const result: (OnnxNode | undefined)[] = [...nodes];
  nodes.forEach((node, index) => {
    if (node.op !== 'batchnorm') return;
    const convIndex = producers.get(node.input);
    if (convIndex === undefined) return;
    const conv = result[convIndex];
    if (conv?.op !== 'conv' || readers.get(conv.output) !== 1 || protectedTensors.has(conv.output)) return;
    result[convIndex] = fold(conv, node);
    result[index] = undefined;
  });
  return result.filter((node): node is OnnxNode => node !== undefined);
}
