import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import { runCxr } from '../support/cxr-cli.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxr-keys-cli-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('generate → sign → verify (dir and .tar) round trip with --json; tampering makes verify exit 2', async () => {
  const keysDir = join(root, 'keys');
  const generated = await runCxr(['keys', 'generate', '--out', keysDir, '--name', 'acme', '--json']);
  assert.equal(generated.code, 0, generated.stderr);
  const keys = JSON.parse(generated.stdout);
  assert.match(keys.keyId, /^[0-9a-f]{16}$/);
  assert.equal((await stat(keys.privateKey)).mode & 0o777, 0o600);
  const again = await runCxr(['keys', 'generate', '--out', keysDir, '--name', 'acme', '--json']);
  assert.equal(again.code, 2, 'refuses to overwrite an existing key');
  assert.equal(JSON.parse(again.stdout).error.code, 'CXR_ERR_KEY_EXISTS');

  const pkg = await writeTinyModelPackage(join(root, 'pkg'));
  const tar = join(root, 'pkg.tar');
  const signed = await runCxr(['keys', 'sign', pkg.dir, '--key', keys.privateKey, '--tar', tar, '--json']);
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(JSON.parse(signed.stdout).keyId, keys.keyId);

  for (const target of [pkg.dir, tar]) {
    const verified = await runCxr(['keys', 'verify', target, '--trust', keys.publicKey, '--json']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.deepEqual([JSON.parse(verified.stdout).valid, JSON.parse(verified.stdout).keyId], [true, keys.keyId]);
  }
  const untrusted = await runCxr(['keys', 'verify', pkg.dir, '--json']);
  assert.equal(untrusted.code, 2);
  assert.equal(JSON.parse(untrusted.stdout).error.code, 'CXR_ERR_PACKAGE_UNTRUSTED_KEY');

  const model = join(pkg.dir, 'model.onnx');
  const bytes = await readFile(model);
  bytes[100] = (bytes[100] ?? 0) ^ 1;
  await writeFile(model, bytes);
  const tampered = await runCxr(['keys', 'verify', pkg.dir, '--trust', keys.publicKey]);
  assert.equal(tampered.code, 2);
  assert.match(tampered.stderr, /CXR_ERR_PACKAGE_HASH_MISMATCH/);
});
