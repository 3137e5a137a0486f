/**
 * Builds a DenseNet family member as a tfjs layers model.
 * In: a `DenseNetArch` (trainer/family/scaling.ts), input channels and class count.
 * Out: a `tf.LayersModel`, NHWC input [R, R, C], output [classes] probabilities (sigmoid or softmax).
 * Layer names are stable (`conv0`, `b1_l3_conv2`, `t2_conv`, `classifier`, ...): checkpoints and the ONNX
 * exporter rely on them. Convs have no bias (BN follows), as in torchvision's DenseNet.
 * Multi-scale head (`camFromBlock`): the BN-ReLU output of that dense block (the transition's `t<b>_relu`, at
 * stride 8 for block 2) is also globally pooled (`gap_fine`) and concatenated before the pooled last feature
 * map, so the classifier reads both scales and the class activation map can be drawn on the finer grid
 * (R/8 x R/8: 16 x 16 at 128 px; docs/trainer.md, "Activation map").
 */
import type * as tfType from '@tensorflow/tfjs';
import { CxrError } from '../../models/errors.ts';
import type { DenseNetArch } from '../family/scaling.ts';

export type Tf = typeof tfType;
export type HeadActivation = 'sigmoid' | 'softmax';

export interface BuildOptions {
  inChannels: 1 | 3;
  classes: number;
  head?: HeadActivation;
  /** Seed for the initialisers (deterministic weights). */
  seed?: number;
  /** BN epsilon; Keras default 1e-3. */
  bnEpsilon?: number;
  /** Dropout before the classifier (training only); default 0. */
  dropout?: number;
  /** 1-based dense block (not the last) whose output also feeds the classifier; absent: the last map only. */
  camFromBlock?: number;
}

export function buildDenseNet(tf: Tf, arch: DenseNetArch, options: BuildOptions): tfType.LayersModel {
  const R = arch.resolution;
  let seed = options.seed ?? 42;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const eps = options.bnEpsilon ?? 1e-3;
  const bnRelu = (x: tfType.SymbolicTensor, name: string) => {
    const n = tf.layers.batchNormalization({ name: `${name}_bn`, epsilon: eps, momentum: 0.9 }).apply(x);
    return tf.layers.reLU({ name: `${name}_relu` }).apply(n) as tfType.SymbolicTensor;
  };
  const conv = (x: tfType.SymbolicTensor, filters: number, k: number, name: string, strides = 1) =>
    tf.layers
      .conv2d({ name, filters, kernelSize: k, strides, padding: 'same', useBias: false, kernelInitializer: init() })
      .apply(x) as tfType.SymbolicTensor;

  const input = tf.input({ shape: [R, R, options.inChannels], name: 'input' });
  let x = conv(input, arch.stem, 7, 'conv0', 2);
  x = bnRelu(x, 'stem');
  x = tf.layers
    .maxPooling2d({ name: 'pool0', poolSize: 3, strides: 2, padding: 'same' })
    .apply(x) as tfType.SymbolicTensor;
  let channels = arch.stem;
  let fine: tfType.SymbolicTensor | undefined;
  const tap = options.camFromBlock;
  if (tap !== undefined && !(Number.isInteger(tap) && tap >= 1 && tap < arch.blocks.length)) {
    throw new CxrError('CXR_ERR_SCALING', `camFromBlock ${tap} must name a dense block before the last`);
  }
  arch.blocks.forEach((layers, bi) => {
    for (let j = 0; j < layers; j++) {
      const p = `b${bi + 1}_l${j + 1}`;
      let y = bnRelu(x, `${p}_1`);
      y = conv(y, arch.bnSize * arch.growth, 1, `${p}_conv1`);
      y = bnRelu(y, `${p}_2`);
      y = conv(y, arch.growth, 3, `${p}_conv2`);
      x = tf.layers.concatenate({ name: `${p}_cat`, axis: -1 }).apply([x, y]) as tfType.SymbolicTensor;
      channels += arch.growth;
    }
    if (bi < arch.blocks.length - 1) {
      const p = `t${bi + 1}`;
      channels = Math.floor(channels * arch.compression);
      x = bnRelu(x, p);
      if (tap === bi + 1) {
        fine = tf.layers.globalAveragePooling2d({ name: 'gap_fine' }).apply(x) as tfType.SymbolicTensor;
      }
      x = conv(x, channels, 1, `${p}_conv`);
      x = tf.layers
        .averagePooling2d({ name: `${p}_pool`, poolSize: 2, strides: 2, padding: 'valid' })
        .apply(x) as tfType.SymbolicTensor;
    }
  });
  x = bnRelu(x, 'final');
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfType.SymbolicTensor;
  if (fine) x = tf.layers.concatenate({ name: 'gap_cat', axis: -1 }).apply([fine, x]) as tfType.SymbolicTensor;
  if (options.dropout)
    x = tf.layers.dropout({ name: 'drop', rate: options.dropout, seed: seed++ }).apply(x) as tfType.SymbolicTensor;
  const out = tf.layers
    .dense({
      name: 'classifier',
      units: options.classes,
      activation: options.head ?? 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
    })
    .apply(x) as tfType.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'densenet' });
}

/** Trainable parameter count of a built model (PyTorch's convention: BN moving stats excluded). */
export function trainableParams(model: tfType.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}
