/**
 * Analytic cost of a DenseNet family member. `macs` follows the convention of the usual "2.88 GMACs"
 * figure for DenseNet-121 (ptflops): conv and classifier multiply-accumulates plus one op per element
 * for ReLU and pooling inputs and two for BN; `convMacs` counts conv + classifier only. Parameters the
 * PyTorch way (trainable: conv weights, BN gamma/beta, classifier) plus BN moving statistics apart.
 * Layers follow trainer/model/build-densenet.ts: 7x7/2 stem conv, 3x3/2 max pool, dense layers
 * BN-ReLU-1x1(bnSize*growth)-BN-ReLU-3x3(growth), transitions BN-ReLU-1x1(floor(c*compression))-avgpool 2/2.
 */
import type { DenseNetArch } from '../family/scaling.ts';

export interface CostOptions {
  inChannels: number;
  classes: number;
  /** Override the architecture's resolution. */
  resolution?: number;
  /** Multi-scale head (trainer/model/build-densenet.ts): this block's output is pooled into the classifier too. */
  camFromBlock?: number;
}

export interface ModelCost {
  macs: number;
  convMacs: number;
  /** Trainable parameters (PyTorch's count). */
  params: number;
  /** BN moving mean/variance (buffers in PyTorch, non-trainable weights in tfjs). */
  nonTrainable: number;
  /** Channels entering the classifier. */
  featureChannels: number;
  /** Side of the CAM: the tapped block's map with a multi-scale head, else the last feature map. */
  featureSize: number;
}

export function denseNetCost(arch: DenseNetArch, options: CostOptions): ModelCost {
  let size = options.resolution ?? arch.resolution;
  let macs = 0;
  let elementwise = 0;
  let params = 0;
  let nonTrainable = 0;
  // BN followed by ReLU at the current spatial size: 2 + 1 ops per element.
  const bnRelu = (c: number, side: number) => {
    params += 2 * c;
    nonTrainable += 2 * c;
    elementwise += 3 * side * side * c;
  };
  const conv = (k: number, cin: number, cout: number, outSize: number) => {
    macs += outSize * outSize * k * k * cin * cout;
    params += k * k * cin * cout;
  };
  size = Math.ceil(size / 2);
  conv(7, options.inChannels, arch.stem, size);
  bnRelu(arch.stem, size);
  elementwise += size * size * arch.stem; // max pool input
  size = Math.ceil(size / 2); // max pool 3x3/2 'same'
  let c = arch.stem;
  const inner = arch.bnSize * arch.growth;
  let tap = { channels: 0, size: 0 };
  arch.blocks.forEach((layers, i) => {
    for (let j = 0; j < layers; j++) {
      bnRelu(c, size);
      conv(1, c, inner, size);
      bnRelu(inner, size);
      conv(3, inner, arch.growth, size);
      c += arch.growth;
    }
    if (i < arch.blocks.length - 1) {
      bnRelu(c, size);
      if (options.camFromBlock === i + 1) {
        tap = { channels: c, size };
        elementwise += size * size * c; // its global average pool
      }
      const out = Math.floor(c * arch.compression);
      conv(1, c, out, size);
      elementwise += size * size * out; // avg pool input
      c = out;
      size = Math.floor(size / 2);
    }
  });
  bnRelu(c, size);
  elementwise -= size * size * c; // the final ReLU is functional in torchvision: not counted there
  const features = c + tap.channels;
  macs += features * options.classes + options.classes;
  params += features * options.classes + options.classes;
  const featureSize = tap.channels ? tap.size : size;
  return { macs: macs + elementwise, convMacs: macs, params, nonTrainable, featureChannels: features, featureSize };
}
