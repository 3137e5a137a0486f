import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { packTar, unpackTar } from '../../../models/package/tar.ts';
import { type TinyModelPackage, writeTinyModelPackage } from '../../../models/package/tiny-model.ts';

let root: string;
let pkg: TinyModelPackage;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxr-tar-'));
  pkg = await writeTinyModelPackage(join(root, 'pkg'));
});
after(() => rm(root, { recursive: true, force: true }));

/** A one-entry ustar archive written by hand, so the entry name can be anything. */
function handMadeTar(name: string, content: string, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

test('a package survives pack → unpack and still verifies', async () => {
  const dest = join(root, 'unpacked');
  await unpackTar(await packTar(pkg.dir), dest);
  const loaded = await loadModelPackage(dest, { trustedPublicKeysPem: [pkg.publicKeyPem] });
  assert.equal(loaded.manifest.name, 'tiny-densenet');
});

for (const name of ['../evil.txt', '/tmp/cxr-evil-abs.txt', 'sub/manifest.json', 'extra.txt']) {
  test(`rejects a tar entry "${name}" with CXR_ERR_PACKAGE_TAR_INVALID and writes nothing`, async () => {
    const dest = join(root, 'evil', 'dest');
    await assert.rejects(unpackTar(handMadeTar(name, 'x'), dest), { code: 'CXR_ERR_PACKAGE_TAR_INVALID' });
    assert.equal(existsSync(join(root, 'evil', 'evil.txt')), false);
    assert.equal(existsSync(dest), false);
  });
}

test('rejects a symlink entry and a tar missing files', async () => {
  await assert.rejects(unpackTar(handMadeTar('model.onnx', '', '2'), join(root, 'l')), {
    code: 'CXR_ERR_PACKAGE_TAR_INVALID',
  });
  await assert.rejects(unpackTar(handMadeTar('model.onnx', 'x'), join(root, 'm')), {
    code: 'CXR_ERR_PACKAGE_TAR_INVALID',
  });
});
