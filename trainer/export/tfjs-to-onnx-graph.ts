/**
 * Converts a trained tfjs DenseNet (trainer/model/build-densenet.ts) into the ONNX IR (models/onnx/graph.ts).
 * In: a `tf.LayersModel` with NHWC input. Out: an `OnnxGraph` with NCHW input [N, C, R, R], outputs
 * `probabilities` and `cam`. Layout changes: conv kernels HWIO -> OIHW, 'same' -> SAME_UPPER (TF pads the
 * extra row/column at the bottom/right, as SAME_UPPER does), concat axis -1 -> 1 (the IR's channel axis).
 * A classifier over concatenated global pools (the multi-scale head) gives a multi-scale CAM: the first pooled
 * map is the CAM grid, the others are `cam.coarserMaps`.
 * Unknown layer types throw CXR_ERR_EXPORT_UNSUPPORTED (kind internal).
 */
import type * as tfType from '@tensorflow/tfjs';
import { CxrError } from '../../models/errors.ts';
import type { OnnxGraph, OnnxNode, Padding } from '../../models/onnx/graph.ts';
import { INPUT_NAME } from '../../models/onnx/graph.ts';

type Layer = tfType.layers.Layer;
interface LayerConfig {
  padding?: string;
  strides?: number | number[];
  poolSize?: number | number[];
  epsilon?: number;
  activation?: string;
  useBias?: boolean;
  scale?: boolean;
  center?: boolean;
}

const pair = (v: number | number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v];

const padding = (p: string | undefined): Padding => (p === 'same' ? 'SAME_UPPER' : 'VALID');

/** HWIO -> OIHW. */
export function hwioToOihw(w: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh!; y++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++)
          out[((o * ci! + i) * kh! + y) * kw! + x] = w[((y * kw! + x) * ci! + i) * co! + o]!;
  return out;
}

function inboundNames(layer: Layer): string[] {
  const nodes = (layer as unknown as { inboundNodes: { inboundLayers: Layer[] }[] }).inboundNodes;
  return (nodes[0]?.inboundLayers ?? []).map((l) => l.name);
}

export function tfjsToOnnxGraph(model: tfType.LayersModel, name = 'cxr-densenet'): OnnxGraph {
  const inputShape = model.inputs[0]!.shape as [null, number, number, number];
  const alias = new Map<string, string>();
  const tensorOf = (layerName: string) => alias.get(layerName) ?? layerName;
  const nodes: OnnxNode[] = [];
  let probabilities = '';
  let featureMaps: string[] = [];
  let classifier = '';
  /** Global pool output -> the map it pools. */
  const pooled = new Map<string, string>();
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as LayerConfig;
    const ins = inboundNames(layer).map(tensorOf);
    const input = ins[0] ?? INPUT_NAME;
    const out = layer.name;
    const weights = layer.getWeights().map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape as number[] }));
    switch (cls) {
      case 'InputLayer':
        alias.set(layer.name, INPUT_NAME);
        break;
      case 'Dropout':
        alias.set(layer.name, input);
        break;
      case 'Conv2D': {
        const [k, b] = weights;
        const [kh, kw, ci, co] = k!.shape as [number, number, number, number];
        nodes.push({
          op: 'conv',
          input,
          output: out,
          weight: hwioToOihw(k!.data, k!.shape),
          weightShape: [co, ci, kh, kw],
          ...(cfg.useBias && b ? { bias: b.data } : {}),
          strides: pair(cfg.strides, 1),
          pads: padding(cfg.padding),
        });
        break;
      }
      case 'BatchNormalization': {
        if (cfg.scale === false || cfg.center === false) {
          throw new CxrError('CXR_ERR_EXPORT_UNSUPPORTED', 'BatchNormalization without scale/center', {
            kind: 'internal',
          });
        }
        const [gamma, beta, mean, variance] = weights;
        nodes.push({
          op: 'batchnorm',
          input,
          output: out,
          gamma: gamma!.data,
          beta: beta!.data,
          mean: mean!.data,
          variance: variance!.data,
          epsilon: cfg.epsilon ?? 1e-3,
        });
        break;
      }
      case 'ReLU':
        nodes.push({ op: 'relu', input, output: out });
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        nodes.push({
          op: cls === 'MaxPooling2D' ? 'maxpool' : 'avgpool',
          input,
          output: out,
          kernel: pair(cfg.poolSize, 2),
          strides: pair(cfg.strides ?? cfg.poolSize, 2),
          pads: padding(cfg.padding),
        });
        break;
      case 'Concatenate':
        nodes.push({ op: 'concat', inputs: ins, output: out });
        break;
      case 'GlobalAveragePooling2D':
        pooled.set(out, input);
        nodes.push({ op: 'globalavgpool', input, output: out });
        break;
      case 'Dense': {
        const [k, b] = weights;
        const [inFeatures, units] = k!.shape as [number, number];
        const concat = nodes.find((n) => n.output === input && n.op === 'concat');
        const sources = concat?.op === 'concat' ? concat.inputs : [input];
        featureMaps = sources.map((name) => pooled.get(name) ?? '');
        const logits = `${out}_logits`;
        nodes.push({
          op: 'dense',
          input,
          output: logits,
          weight: k!.data,
          inFeatures,
          units,
          ...(b ? { bias: b.data } : {}),
        });
        if (cfg.activation !== 'sigmoid') {
          throw new CxrError(
            'CXR_ERR_EXPORT_UNSUPPORTED',
            `classifier activation '${cfg.activation}' cannot be exported (sigmoid only)`,
            {
              kind: 'internal',
            },
          );
        }
        nodes.push({ op: 'sigmoid', input: logits, output: out });
        classifier = logits;
        probabilities = out;
        break;
      }
      default:
        throw new CxrError('CXR_ERR_EXPORT_UNSUPPORTED', `layer type ${cls} (${layer.name}) has no ONNX mapping`, {
          kind: 'internal',
        });
    }
  }
  const [featureMap, ...coarserMaps] = featureMaps;
  if (!probabilities || !featureMap || featureMaps.some((m) => m === '')) {
    throw new CxrError('CXR_ERR_EXPORT_UNSUPPORTED', 'model has no global pooling + dense classifier head', {
      kind: 'internal',
    });
  }
  return {
    name,
    input: { name: INPUT_NAME, channels: inputShape[3], height: inputShape[1], width: inputShape[2] },
    nodes,
    probabilities,
    cam: { featureMap, ...(coarserMaps.length ? { coarserMaps } : {}), classifier, addBias: true },
    docString: 'cxr-edge DenseNet family member, exported from tfjs by trainer/export',
  };
}
