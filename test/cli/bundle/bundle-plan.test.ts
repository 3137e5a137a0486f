import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bundleRoots,
  keepInBundle,
  type Lockfile,
  packageOf,
  runtimePackages,
  sourceFolders,
} from '../../../cli/bundle/bundle-plan.ts';

const lock: Lockfile = {
  packages: {
    '': {},
    'node_modules/sharp': { dependencies: { 'detect-libc': '^2' } },
    'node_modules/detect-libc': {},
    'node_modules/typescript': { dev: true },
    'node_modules/@biomejs/biome': { dev: true, optionalDependencies: { '@biomejs/cli-linux-x64': '*' } },
    'node_modules/@biomejs/cli-linux-x64': { dev: true, devOptional: true },
    'node_modules/tsx': { dev: true, dependencies: { esbuild: '~0.28', 'get-tsconfig': '^4' } },
    'node_modules/esbuild': { dev: true, optionalDependencies: { '@esbuild/linux-x64': '0.28' } },
    'node_modules/@esbuild/linux-x64': { dev: true },
    'node_modules/get-tsconfig': { dev: true, dependencies: { 'resolve-pkg-maps': '^1' } },
    'node_modules/get-tsconfig/node_modules/resolve-pkg-maps': { dev: true },
    'node_modules/resolve-pkg-maps': { dev: true },
  },
};

describe('bundle plan', () => {
  const packages = runtimePackages(lock);
  const sources = new Set(['cli/main.ts', 'agent/main.ts', 'models/package/tiny-model.ts']);
  const selection = { packages, sources };
  const folders = sourceFolders(sources);
  const keep = (path: string, isDir = false) => keepInBundle(path, isDir, selection, folders);

  it('keeps production packages and the tsx loader with its dependencies (nested first), no other dev package', () => {
    assert.deepEqual([...packages].sort(), [
      'node_modules/@esbuild/linux-x64',
      'node_modules/detect-libc',
      'node_modules/esbuild',
      'node_modules/get-tsconfig',
      'node_modules/get-tsconfig/node_modules/resolve-pkg-maps',
      'node_modules/sharp',
      'node_modules/tsx',
    ]);
  });

  it('finds the package a node_modules path belongs to', () => {
    assert.equal(packageOf('node_modules/sharp/lib/index.js'), 'node_modules/sharp');
    assert.equal(packageOf('node_modules/@img/sharp-linux-x64/lib/x.node'), 'node_modules/@img/sharp-linux-x64');
    assert.equal(packageOf('node_modules/a/node_modules/@s/b/c.js'), 'node_modules/a/node_modules/@s/b');
    assert.equal(packageOf('node_modules/@img'), undefined);
    assert.equal(packageOf('agent/main.ts'), undefined);
  });

  it('packs imported sources wherever they are, and data beside them, but no other code', () => {
    for (const path of ['cli/main.ts', 'agent/main.ts', 'models/package/tiny-model.ts', 'agent/schema.json'])
      assert.ok(keep(path), path);
    for (const path of ['agent/unused.ts', 'test/agent/x.test.ts', 'test/support/mosquitto.ts', 'bench/run.ts'])
      assert.ok(!keep(path), path);
    assert.ok(keep('models/package', true) && !keep('test', true) && !keep('bench', true));
  });

  it('packs the data roots whole: model, trusted keys, deploy, docs, package.json; no samples', () => {
    for (const path of [
      'package.json',
      'models/baseline/model.onnx',
      'models/trusted-keys/a.pub.pem',
      'deploy/bundle/install.sh',
    ])
      assert.ok(keep(path), path);
    assert.ok(keep('models', true) && keep('models/baseline', true));
    assert.ok(!keep('models/samples', true) && !keep('models/samples/a.dcm'));
    assert.deepEqual(bundleRoots(sources), [
      '.venv',
      'README.md',
      'agent',
      'bin',
      'cli',
      'deploy',
      'docs',
      'hub',
      'models',
      'node_modules',
      'package-lock.json',
      'package.json',
      'tsconfig.json',
    ]);
  });

  it('prunes inside packages: source maps, declarations, other platforms, native build leftovers', () => {
    assert.ok(keep('node_modules/sharp/lib/index.js'));
    assert.ok(keep('node_modules/@esbuild/linux-x64/bin/esbuild'));
    for (const path of [
      'node_modules/sharp/lib/index.js.map',
      'node_modules/sharp/lib/index.d.ts',
      'node_modules/typescript/lib/tsc.js',
      'node_modules/@biomejs/cli-linux-x64/biome',
      'node_modules/.bin/tsx',
      'node_modules/@types/node/package.json',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1',
      'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c',
      'node_modules/better-sqlite3/build/Release/obj/x.o',
    ])
      assert.ok(!keep(path), path);
    assert.ok(!keep('node_modules/onnxruntime-node/bin/napi-v6/darwin', true));
    assert.ok(keep('node_modules', true) && keep('node_modules/@esbuild', true));
    assert.ok(!keep('node_modules/@biomejs', true), 'a scope with no kept package is not walked');
  });

  it("keeps only OpenVINO's CPU runtime from .venv, in the wheel's layout", () => {
    const libs = '.venv/lib/python3.11/site-packages/openvino/libs';
    for (const dir of ['.venv', '.venv/lib', '.venv/lib/python3.11', '.venv/lib/python3.11/site-packages', libs])
      assert.ok(keep(dir, true), dir);
    for (const lib of [
      'libopenvino_c.so.2641',
      'libopenvino.so.2641',
      'libopenvino_intel_cpu_plugin.so',
      'libtbb.so.12',
    ])
      assert.ok(keep(`${libs}/${lib}`), lib);
    for (const lib of ['libopenvino_intel_gpu_plugin.so', 'libopenvino_pytorch_frontend.so.2641', 'cache.json'])
      assert.ok(!keep(`${libs}/${lib}`), lib);
    assert.ok(!keep('.venv/lib/python3.11/site-packages/numpy', true));
    assert.ok(!keep('.venv/bin', true));
  });
});
