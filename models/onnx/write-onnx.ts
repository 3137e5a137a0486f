/**
 * Writes an `OnnxGraph` as an ONNX ModelProto (onnx-proto / protobufjs).
 *
 * In: the IR (models/onnx/graph.ts). Out: the serialised model bytes: opset >= 13, IR version 8,
 * input `input` [N, C, H, W] float32 with a dynamic batch axis `N`, outputs `probabilities` [N, K] and
 * `cam` [N, K, h, w]. Conv→BatchNorm pairs are folded. Bad graphs throw CXR_ERR_ONNX_GRAPH_INVALID.
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

/** The CAM as a 1x1 conv over the feature map with the classifier's weights transposed to [K, C, 1, 1]. */
function emitCam(dense: DenseNode, featureMap: string, addBias: boolean, out: Emitted): void {
  const { inFeatures: c, units: k } = dense;
  const weight = new Float32Array(k * c);
  for (let i = 0; i < c; i++) for (let j = 0; j < k; j++) weight[j * c + i] = dense.weight[i * k + j] ?? 0;
  out.initializers.push(tensor('cam.weight', [k, c, 1, 1], weight));
  const input = [featureMap, 'cam.weight'];
  if (addBias && dense.bias) {
    out.initializers.push(tensor('cam.bias', [k], dense.bias));
    input.push('cam.bias');
  }
  out.nodes.push({ name: 'cam', opType: 'Conv', input, output: [CAM_NAME], attribute: [ints('kernel_shape', [1, 1])] });
}

export function writeOnnx(graph: OnnxGraph): Uint8Array {
  const opset = graph.opset ?? 13;
  if (opset < 13) throw new CxrError('CXR_ERR_ONNX_GRAPH_INVALID', `opset ${opset} < 13`, { kind: 'input' });
  const shapes = inferShapes(graph);
  const dense = graph.nodes.find((n): n is DenseNode => n.op === 'dense' && n.output === graph.cam.classifier);
  const feature = shapes.get(graph.cam.featureMap);
  const probShape = shapes.get(graph.probabilities);
  if (!dense || !feature || feature.length !== 3 || feature[0] !== dense.inFeatures || !probShape) {
    throw new CxrError(
      'CXR_ERR_ONNX_GRAPH_INVALID',
      'cam.classifier must name a dense output whose inputs are the channels of cam.featureMap [C,h,w]',
      { kind: 'input' },
    );
  }
  const keep = new Set([graph.probabilities, graph.cam.featureMap, graph.cam.classifier]);
  const out: Emitted = { nodes: [], initializers: [] };
  foldBatchNorms(graph.nodes, keep).forEach((node, index) => {
    emitNode(node, index, out);
  });
  emitCam(dense, graph.cam.featureMap, graph.cam.addBias, out);
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
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}
