/**
 * A small typed IR for the DenseNet family, the bridge between the trainer's tfjs model and ONNX.
 *
 * In: nothing (types only). Out: `OnnxGraph`, consumed by `writeOnnx` (models/onnx/write-onnx.ts).
 *
 * Conventions (see docs/model-package.md, "The ONNX IR"):
 * - Tensors are named by strings; every node names its inputs and its one output. Layout is NCHW, the batch
 *   axis is dynamic (`N`), the graph has one input `input` [N, C, H, W].
 * - Conv weights are OIHW (tfjs HWIO must be transposed: w[o][i][y][x] = hwio[y][x][i][o]).
 * - Dense weights are `[inFeatures, units]` row-major: tfjs `Dense` kernel layout, ONNX Gemm with transB = 0.
 *   A dense node may take a [N, C, 1, 1] tensor (the global average pool output): the writer flattens it.
 * - `batchnorm` is folded into the preceding conv when that conv's output feeds nothing else; otherwise
 *   it is written as BatchNormalization.
 * - The first two graph outputs are always named `probabilities` [N, classes] and `cam` [N, classes, h, w];
 *   `extraOutputs` may add more (the not-a-chest gate's head and embedding).
 */

/** Explicit pads [top, left, bottom, right], or TF/Keras `same` padding (ONNX auto_pad SAME_UPPER). */
export type Padding = readonly [number, number, number, number] | 'SAME_UPPER' | 'VALID';

export interface ConvNode {
  op: 'conv';
  input: string;
  output: string;
  /** OIHW, Float32Array of length O*I/group*kh*kw. */
  weight: Float32Array;
  /** [outChannels, inChannels / group, kernelH, kernelW]. */
  weightShape: readonly [number, number, number, number];
  bias?: Float32Array;
  strides?: readonly [number, number];
  pads?: Padding;
  group?: number;
}

export interface BatchNormNode {
  op: 'batchnorm';
  input: string;
  output: string;
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  /** tfjs default 1e-3; PyTorch 1e-5. */
  epsilon: number;
}

export interface UnaryNode {
  op: 'relu' | 'sigmoid' | 'globalavgpool';
  input: string;
  output: string;
}

export interface ConcatNode {
  op: 'concat';
  /** Concatenated along the channel axis (1); tfjs axis -1 in NHWC is axis 1 here. */
  inputs: readonly string[];
  output: string;
}

export interface PoolNode {
  op: 'maxpool' | 'avgpool';
  input: string;
  output: string;
  kernel: readonly [number, number];
  strides?: readonly [number, number];
  pads?: Padding;
}

export interface DenseNode {
  op: 'dense';
  input: string;
  output: string;
  /** [inFeatures, units] row-major (tfjs kernel layout). */
  weight: Float32Array;
  inFeatures: number;
  units: number;
  bias?: Float32Array;
}

export type OnnxNode = ConvNode | BatchNormNode | UnaryNode | ConcatNode | PoolNode | DenseNode;

/**
 * The class activation map output: `cam[n, k, y, x] = sum_c W[c, k] * F[n, c, y, x] (+ b[k] when addBias)`,
 * where F is `featureMap` (the last feature map, before global pooling) and W, b are the weight and bias of
 * the dense node whose output is `classifier`. With `addBias: true` the spatial mean of `cam[k]` equals the
 * class logit (because the classifier sees the spatial mean of F), which makes maps comparable across
 * classes and images; with `false` only the weighted evidence is kept (the original CAM paper's form).
 */
export interface CamSpec {
  featureMap: string;
  /**
   * Multi-scale head: coarser maps whose global average pools follow `featureMap`'s in the classifier's input,
   * in this order (the classifier reads concat(GAP(featureMap), GAP(coarser[0]), ...)). Each map's share of the
   * CAM is upsampled (nearest, integer factor) to `featureMap`'s size and added, so the spatial mean of the CAM
   * is still the logit. Absent: the classifier reads GAP(featureMap) alone.
   */
  coarserMaps?: readonly string[];
  /** Output tensor name of the dense (classifier) node. */
  classifier: string;
  addBias: boolean;
}

/** A further graph output (e.g. the not-a-chest gate's scores): `[N, ...shape of tensor]`, named `name`. */
export interface ExtraOutput {
  name: string;
  tensor: string;
}

export interface OnnxGraph {
  name: string;
  input: { name?: 'input'; channels: number; height: number; width: number };
  nodes: readonly OnnxNode[];
  /** Tensor holding the per-class probabilities (normally the sigmoid's output). */
  probabilities: string;
  cam: CamSpec;
  /** Outputs besides `probabilities` and `cam`, in this order. */
  extraOutputs?: readonly ExtraOutput[];
  /** ONNX opset; default and minimum 13. */
  opset?: number;
  /** Free text stored as the model's doc_string. */
  docString?: string;
}

export const INPUT_NAME = 'input';
export const PROBABILITIES_NAME = 'probabilities';
export const CAM_NAME = 'cam';

/** Inputs a node reads, in order. */
export function nodeInputs(node: OnnxNode): readonly string[] {
  return node.op === 'concat' ? node.inputs : [node.input];
}
