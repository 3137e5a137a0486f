/**
 * The model bench/agent.ts scores with. In: the repository root and a scratch folder. Out: the model dir, its
 * trusted keys dir and a label: `models/baseline/` when it is there (verified against models/trusted-keys when
 * loaded), else a random-weight DenseNet-BC at 1x224x224 signed with a throw-away key written to the scratch folder.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildRandomDenseNet } from '../../models/onnx/random-densenet.ts';
import { graphStats } from '../../models/onnx/shapes.ts';
import { writeOnnx } from '../../models/onnx/write-onnx.ts';
import { generateKeyPair } from '../../models/package/keys.ts';
import { writeModelPackage } from '../../models/package/write-package.ts';

export async function benchModel(root: string, work: string): Promise<{ dir: string; keysDir: string; label: string }> {
  const baseline = join(root, 'models/baseline');
  if (existsSync(join(baseline, 'manifest.json'))) {
    return { dir: baseline, keysDir: join(root, 'models/trusted-keys'), label: 'models/baseline' };
  }
  const options = { size: 224, channels: 1 as const, classes: 3, blocks: [5, 11, 22, 15], growth: 34, bottleneck: 4 };
  const graph = buildRandomDenseNet({ ...options, stemFilters: 64, stemKernel: 7, seed: 42 });
  const stats = graphStats(graph);
  const keys = generateKeyPair();
  const classes = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
  const dir = join(work, 'model');
  const keysDir = join(work, 'keys');
  await mkdir(keysDir, { recursive: true });
  await writeFile(join(keysDir, 'bench.pub.pem'), keys.publicKeyPem);
  await writeModelPackage(dir, {
    onnx: writeOnnx(graph),
    privateKeyPem: keys.privateKeyPem,
    manifest: {
      formatVersion: 1,
      name: 'bench-random-densenet',
      version: '0.0.0',
      createdAt: new Date().toISOString(),
      classes,
      input: { size: 224, channels: 1, mean: 0.5, std: 0.25, resize: 'letterbox', padValue: 0, layout: 'NCHW' },
      outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
      thresholds: Object.fromEntries(classes.map((c) => [c, { threshold: 0.5, chosenOn: 'bench' }])),
      metrics: {},
      architecture: options,
      macs: stats.macs,
      params: stats.params,
      trainingData: { note: 'random weights for benchmarking' },
      golden: [],
    },
  });
  return { dir, keysDir, label: `random DenseNet-BC 224² (${(stats.macs / 1e9).toFixed(2)} GMACs)` };
}
