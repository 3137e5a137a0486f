import { OnnxRuntimeSession } from '../../models/runtime/onnxruntime-session.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import { runtimeContract } from './runtime.ts';

runtimeContract('onnxruntime', (pkg) => OnnxRuntimeSession.open(pkg, { mode: 'latency' }));
// throughput: several infer requests in parallel; latency: one request, concurrent calls queue for it
runtimeContract(
  'openvino',
  async (pkg) => (await openSession(pkg, { runtime: 'openvino', mode: 'throughput' })).session,
);
runtimeContract('openvino', async (pkg) => (await openSession(pkg, { runtime: 'openvino', mode: 'latency' })).session);
