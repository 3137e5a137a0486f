/**
 * Puts the fitted gate into the exported graph (pure): two dense nodes on the classifier's input features —
 * the logistic head (+ sigmoid) -> output `gate_chest` [N, 1] and the whitening map -> output `gate_embedding`
 * [N, F] — so the runtimes compute the gate with the model and the self-test covers it.
 */
import type { OnnxGraph } from '../../models/onnx/graph.ts';
import type { GateFit } from './fit-gate.ts';

export const GATE_OUTPUTS = { head: 'gate_chest', distance: 'gate_embedding' } as const;

export function withGate(graph: OnnxGraph, gate: Pick<GateFit, 'head' | 'whitening'>): OnnxGraph {
  const classifier = graph.nodes.find((n) => n.op === 'dense' && n.output === graph.cam.classifier);
  if (classifier?.op !== 'dense') return graph;
  const features = classifier.input;
  return {
    ...graph,
    nodes: [
      ...graph.nodes,
      { op: 'dense', input: features, output: 'gate_logit', ...gate.head },
      { op: 'sigmoid', input: 'gate_logit', output: 'gate_p' },
      { op: 'dense', input: features, output: 'gate_z', ...gate.whitening },
    ],
    extraOutputs: [
      { name: GATE_OUTPUTS.head, tensor: 'gate_p' },
      { name: GATE_OUTPUTS.distance, tensor: 'gate_z' },
    ],
  };
}
