/**
 * Hardware-aware cost: median single-image latency of a family member on OpenVINO CPU (the edge runtime),
 * measured on a randomly initialised instance exported through the same ONNX path as real models.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { writeOnnx } from '../../models/onnx/write-onnx.ts';
import { generateKeyPair } from '../../models/package/keys.ts';
import { loadModelPackage } from '../../models/package/load-package.ts';
import { writeModelPackage } from '../../models/package/write-package.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { RuntimeName } from '../../models/runtime/types.ts';
import { tfjsToOnnxGraph } from '../export/tfjs-to-onnx-graph.ts';
import type { DenseNetArch } from '../family/scaling.ts';
import { buildDenseNet } from '../model/build-densenet.ts';

export async function measureLatencyMs(
  tf: typeof tfType,
  arch: DenseNetArch,
  options: { runtime?: RuntimeName; runs?: number; classes?: number; camFromBlock?: number } = {},
): Promise<number> {
  const classes = options.classes ?? 3;
  const model = buildDenseNet(tf, arch, {
    inChannels: 1,
    classes,
    ...(options.camFromBlock ? { camFromBlock: options.camFromBlock } : {}),
  });
  const onnx = writeOnnx(tfjsToOnnxGraph(model, 'latency-probe'));
  model.dispose();
  const dir = await mkdtemp(join(tmpdir(), 'cxr-latency-'));
  try {
    const keys = generateKeyPair();
    const R = arch.resolution;
    const names = Array.from({ length: classes }, (_, i) => `c${i}`);
    await writeModelPackage(dir, {
      onnx,
      privateKeyPem: keys.privateKeyPem,
      manifest: {
        formatVersion: 1,
        name: 'latency-probe',
        version: '0.0.0',
        createdAt: new Date(0).toISOString(),
        classes: names,
        input: { size: R, channels: 1, mean: 0, std: 1, resize: 'stretch', padValue: 0, layout: 'NCHW' },
        outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
        thresholds: Object.fromEntries(names.map((n) => [n, { threshold: 0.5, chosenOn: 'latency probe' }])),
        metrics: {},
        architecture: {},
        macs: 0,
        params: 0,
        trainingData: {},
        golden: [],
      },
    });
    const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: [keys.publicKeyPem] });
    const { session } = await openSession(pkg, { runtime: options.runtime ?? 'openvino', mode: 'latency' });
    const input = { data: new Float32Array(R * R).fill(0.1), channels: 1 as const, size: R };
    try {
      for (let i = 0; i < 3; i++) await session.infer([input]);
      const times: number[] = [];
      for (let i = 0; i < (options.runs ?? 20); i++) {
        const t = performance.now();
        await session.infer([input]);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    } finally {
      await session.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
