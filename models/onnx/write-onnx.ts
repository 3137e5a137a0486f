/**
 * Writes an `OnnxGraph` as an ONNX ModelProto (onnx-proto / protobufjs).
 *
 * In: the IR (models/onnx/graph.ts). Out: the serialised model bytes: opset >= 13, IR version 8,
 * input `input` [N, C, H, W] float32 with a dynamic batch axis `N`, outputs `probabilities` [N, K] and
 * `cam` [N, K, h, w] (multi-scale: coarser maps' shares upsampled with Resize nearest and added), then any
 * `extraOutputs`. Conv→BatchNorm pairs are folded. Bad graphs throw CXR_ERR_ONNX_GRAPH_INVALID.
 */
import onnxProto from 'onnx-proto';
import { CxrError } from '../errors.ts';
import { foldBatchNorms } from './fold-batchnorm.ts';
import {
  CAM_NAME,
  type DenseNode,
  INPUT_NAME,
  type OnnxGraph,
  type OnnxNode,
  type Padding,
  PROBABILITIES_NAME,
} from './graph.ts';
import { inferShapes } from './shapes.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const A = onnx.AttributeProto.AttributeType;

function ints(name: string, values: readonly number[]): AttributeProto {
  return { name, type: A.INTS, ints: [...values] };
}

function padAttributes(pads: Padding | undefined): AttributeProto[] {
  if (pads === undefined || pads === 'VALID') return [];
  if (pads === 'SAME_UPPER') return [{ name: 'auto_pad', type: A.STRING, s: new TextEncoder().encode('SAME_UPPER') }];
  return [ints('pads', pads)];
}

function tensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  const bytes = new Uint8Array(data.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] ?? 0, true);
  return { name, dims: [...dims], dataType: FLOAT, rawData: bytes };
}

function valueInfo(name: string, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

interface Emitted {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

function emitNode(node: OnnxNode, index: number, out: Emitted): void {
  const name = `${node.op}_${index}`;
  const add = (t: TensorProto): string => {
    out.initializers.push(t);
    return t.name ?? '';
  };
  switch (node.op) {
    case 'conv': {
      const inputs = [node.input, add(tensor(`${node.output}.weight`, node.weightShape, node.weight))];
      if (node.bias) inputs.push(add(tensor(`${node.output}.bias`, [node.bias.length], node.bias)));
      const attribute = [ints('kernel_shape', node.weightShape.slice(2)), ints('strides', node.strides ?? [1, 1])];
      attribute.push(...padAttributes(node.pads), { name: 'group', type: A.INT, i: node.group ?? 1 });
      out.nodes.push({ name, opType: 'Conv', input: inputs, output: [node.output], attribute });
      return;
    }
    case 'batchnorm': {
      const c = node.gamma.length;
      const inputs = [node.input];
      for (const [key, data] of Object.entries({ gamma: node.gamma, beta: node.beta, mean: node.mean })) {
        inputs.push(add(tensor(`${node.output}.${key}`, [c], data)));
      }
      inputs.push(add(tensor(`${node.output}.variance`, [c], node.variance)));
      const attribute = [{ name: 'epsilon', type: A.FLOAT, f: node.epsilon }];
      out.nodes.push({ name, opType: 'BatchNormalization', input: inputs, output: [node.output], attribute });
      return;
    }
    case 'relu':
    case 'sigmoid':
    case 'globalavgpool': {
      const opType = { relu: 'Relu', sigmoid: 'Sigmoid', globalavgpool: 'GlobalAveragePool' }[node.op];
      out.nodes.push({ name, opType, input: [node.input], output: [node.output] });
      return;
    }
    case 'concat':
      out.nodes.push({
        name,
        opType: 'Concat',
        input: [...node.inputs],
        output: [node.output],
        attribute: [{ name: 'axis', type: A.INT, i: 1 }],
      });
      return;
    case 'maxpool':
    case 'avgpool': {
      const attribute = [ints('kernel_shape', node.kernel), ints('strides', node.strides ?? node.kernel)];
      attribute.push(...padAttributes(node.pads));
      const opType = node.op === 'maxpool' ? 'MaxPool' : 'AveragePool';
      out.nodes.push({ name, opType, input: [node.input], output: [node.output], attribute });
      return;
    }
    case 'dense': {
      const flat = `${node.output}.flat`;
      out.nodes.push({
        name: `${name}_flatten`,
        opType: 'Flatten',
        input: [node.input],
        output: [flat],
        attribute: [{ name: 'axis', type: A.INT, i: 1 }],
      });
      const inputs = [flat, add(tensor(`${node.output}.weight`, [node.inFeatures, node.units], node.weight))];
      if (node.bias) inputs.push(add(tensor(`${node.output}.bias`, [node.units], node.bias)));
      out.nodes.push({ name, opType: 'Gemm', input: inputs, output: [node.output] });
      return;
    }
  }
}

/**
 * The CAM: per feature map, a 1x1 conv with the classifier's weights for that map's channels, transposed to
 * [K, C, 1, 1]; coarser maps' results are upsampled to the first map's size (Resize, nearest, integer scale)
 * and everything is summed. The bias (when kept) is added once, on the first map.
 */
function emitCam(
  dense: DenseNode,
  maps: readonly { name: string; channels: number; factor: [number, number] }[],
  addBias: boolean,
  out: Emitted,
): void {
  const k = dense.units;
  const parts: string[] = [];
  let offset = 0;
  maps.forEach((map, m) => {
    const c = map.channels;
    const weight = new Float32Array(k * c);
    for (let i = 0; i < c; i++) for (let j = 0; j < k; j++) weight[j * c + i] = dense.weight[(offset + i) * k + j] ?? 0;
    offset += c;
    const prefix = m === 0 ? 'cam' : `cam_${m}`;
    out.initializers.push(tensor(`${prefix}.weight`, [k, c, 1, 1], weight));
    const input = [map.name, `${prefix}.weight`];
    if (m === 0 && addBias && dense.bias) {
      out.initializers.push(tensor(`${prefix}.bias`, [k], dense.bias));
      input.push(`${prefix}.bias`);
    }
    const single = maps.length === 1;
    const conv = single ? CAM_NAME : `${prefix}.part`;
    out.nodes.push({ name: prefix, opType: 'Conv', input, output: [conv], attribute: [ints('kernel_shape', [1, 1])] });
    if (single) return;
    if (m === 0) {
      parts.push(conv);
      return;
    }
    const scales = `${prefix}.scales`;
    out.initializers.push(tensor(scales, [4], Float32Array.of(1, 1, map.factor[0], map.factor[1])));
    const str = (name: string, value: string): AttributeProto => ({
      name,
      type: A.STRING,
      s: new TextEncoder().encode(value),
    });
    out.nodes.push({
      name: `${prefix}_up`,
      opType: 'Resize',
      input: [conv, '', scales],
      output: [`${prefix}.up`],
      attribute: [
        str('mode', 'nearest'),
        str('coordinate_transformation_mode', 'asymmetric'),
        str('nearest_mode', 'floor'),
      ],
    });
    parts.push(`${prefix}.up`);
  });
  if (parts.length === 0) return;
  let sum = parts[0]!;
  parts.slice(1).forEach((part, i) => {
    const output = i === parts.length - 2 ? CAM_NAME : `cam.sum${i}`;
    out.nodes.push({ name: `cam_add${i}`, opType: 'Add', input: [sum, part], output: [output] });
    sum = output;
  });
}

/** The CAM's maps with their channel counts and upsampling factors; a misfit throws CXR_ERR_ONNX_GRAPH_INVALID. */
function camMaps(graph: OnnxGraph, shapes: Map<string, readonly number[]>, dense: DenseNode | undefined) {
  const names = [graph.cam.featureMap, ...(graph.cam.coarserMaps ?? [])];
  const fine = shapes.get(graph.cam.featureMap);
  const maps = names.map((name) => {
    const shape = shapes.get(name);
    if (shape?.length !== 3 || !fine) return undefined;
    const factor: [number, number] = [(fine[1] ?? 0) / (shape[1] ?? 1), (fine[2] ?? 0) / (shape[2] ?? 1)];
    if (!factor.every((f) => Number.isInteger(f) && f >= 1)) return undefined;
    return { name, channels: shape[0] ?? 0, factor };
  });
  const channels = maps.reduce((n, m) => n + (m?.channels ?? 0), 0);
  if (!dense || maps.some((m) => m === undefined) || channels !== dense.inFeatures) {
    throw new CxrError(
      'CXR_ERR_ONNX_GRAPH_INVALID',
      'cam.classifier must name a dense output whose inputs are the channels of cam.featureMap (+ cam.coarserMaps, ' +
        'each an integer factor smaller) [C,h,w]',
      { kind: 'input' },
    );
  }
  return { maps: maps as { name: string; channels: number; factor: [number, number] }[], fine: fine as number[] };
}

export function writeOnnx(graph: OnnxGraph): Uint8Array {
  const opset = graph.opset ?? 13;
  if (opset < 13) throw new CxrError('CXR_ERR_ONNX_GRAPH_INVALID', `opset ${opset} < 13`, { kind: 'input' });
  const shapes = inferShapes(graph);
  const found = graph.nodes.find((n): n is DenseNode => n.op === 'dense' && n.output === graph.cam.classifier);
  const { maps, fine: feature } = camMaps(graph, shapes, found);
  const dense = found as DenseNode;
  const extras = graph.extraOutputs ?? [];
  for (const extra of extras) {
    if (!shapes.has(extra.tensor) || [PROBABILITIES_NAME, CAM_NAME, INPUT_NAME].includes(extra.name)) {
      throw new CxrError('CXR_ERR_ONNX_GRAPH_INVALID', `extra output ${extra.name} (${extra.tensor}) is invalid`, {
        kind: 'input',
      });
    }
  }
  const keep = new Set([graph.probabilities, graph.cam.classifier, ...maps.map((m) => m.name)]);
  for (const extra of extras) keep.add(extra.tensor);
  const out: Emitted = { nodes: [], initializers: [] };
  foldBatchNorms(graph.nodes, keep).forEach((node, index) => {
    emitNode(node, index, out);
  });
  emitCam(dense, maps, graph.cam.addBias, out);
  for (const extra of extras) {
    out.nodes.push({ name: extra.name, opType: 'Identity', input: [extra.tensor], output: [extra.name] });
  }
  if (graph.probabilities !== PROBABILITIES_NAME) {
    out.nodes.push({
      name: 'probabilities',
      opType: 'Identity',
      input: [graph.probabilities],
      output: [PROBABILITIES_NAME],
    });
  }

  const { channels, height, width } = graph.input;
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'cxr-edge',
    producerVersion: '1',
    docString: graph.docString ?? '',
    graph: {
      name: graph.name,
      node: out.nodes,
      initializer: out.initializers,
      input: [valueInfo(INPUT_NAME, ['N', channels, height, width])],
      output: [
        valueInfo(PROBABILITIES_NAME, ['N', dense.units]),
        valueInfo(CAM_NAME, ['N', dense.units, feature[1] ?? 1, feature[2] ?? 1]),
        ...extras.map((extra) => valueInfo(extra.name, ['N', ...(shapes.get(extra.tensor) ?? [])])),
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}
