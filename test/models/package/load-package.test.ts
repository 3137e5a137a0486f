import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { MANIFEST_FILE, MODEL_FILE, SIGNATURE_FILE } from '../../../models/package/package-files.ts';
import { type TinyModelPackage, writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { signModelPackage } from '../../../models/package/write-package.ts';

let root: string;
let pkg: TinyModelPackage;
const originals = new Map<string, Buffer>();

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxr-pkg-'));
  pkg = await writeTinyModelPackage(join(root, 'pkg'));
  for (const name of [MANIFEST_FILE, MODEL_FILE, SIGNATURE_FILE])
    originals.set(name, await readFile(join(pkg.dir, name)));
});
after(() => rm(root, { recursive: true, force: true }));

async function restore(): Promise<void> {
  for (const [name, bytes] of originals) await writeFile(join(pkg.dir, name), bytes);
}

function rejectsWith(code: string | RegExp) {
  return (error: unknown) => {
    const actual = (error as { code?: string }).code ?? '';
    return typeof code === 'string' ? actual === code : code.test(actual);
  };
}

test('loads a package signed by a trusted key and reports that key', async () => {
  const loaded = await loadModelPackage(pkg.dir, {
    trustedPublicKeysPem: [generateKeyPair().publicKeyPem, pkg.publicKeyPem],
  });
  assert.equal(loaded.manifest.classes.length, 3);
  assert.match(loaded.manifest.modelSha256, /^[0-9a-f]{64}$/);
  assert.equal(loaded.publisherKeyId, loaded.manifest.publisherKeyId);
  assert.equal(loaded.onnxBytes.length, originals.get(MODEL_FILE)?.length);
});

test('rejects a package whose key is not trusted with CXR_ERR_PACKAGE_UNTRUSTED_KEY', async () => {
  await assert.rejects(
    loadModelPackage(pkg.dir, { trustedPublicKeysPem: [generateKeyPair().publicKeyPem] }),
    rejectsWith('CXR_ERR_PACKAGE_UNTRUSTED_KEY'),
  );
  await assert.rejects(
    loadModelPackage(pkg.dir, { trustedPublicKeysPem: [] }),
    rejectsWith('CXR_ERR_PACKAGE_UNTRUSTED_KEY'),
  );
});

for (const [file, code] of [
  [MODEL_FILE, 'CXR_ERR_PACKAGE_HASH_MISMATCH'],
  [MANIFEST_FILE, /^CXR_ERR_PACKAGE_(SIGNATURE_INVALID|UNTRUSTED_KEY)$/],
  [SIGNATURE_FILE, 'CXR_ERR_PACKAGE_SIGNATURE_INVALID'],
] as const) {
  test(`rejects one flipped byte anywhere in ${file} (${code})`, async () => {
    const bytes = originals.get(file) as Buffer;
    for (const offset of [0, Math.floor(bytes.length / 2), bytes.length - 3, bytes.length - 2, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[offset] = (tampered[offset] ?? 0) ^ (file === SIGNATURE_FILE ? 0x01 : 0x20);
      await writeFile(join(pkg.dir, file), tampered);
      await assert.rejects(loadModelPackage(pkg.dir, { trustedPublicKeysPem: [pkg.publicKeyPem] }), rejectsWith(code));
    }
    await restore();
  });
}

test('rejects a missing file with CXR_ERR_PACKAGE_MISSING_FILE', async () => {
  await unlink(join(pkg.dir, SIGNATURE_FILE));
  await assert.rejects(
    loadModelPackage(pkg.dir, { trustedPublicKeysPem: [pkg.publicKeyPem] }),
    rejectsWith('CXR_ERR_PACKAGE_MISSING_FILE'),
  );
  await restore();
});

test('a signed manifest that breaks the schema is CXR_ERR_PACKAGE_MANIFEST_INVALID', async () => {
  const manifest = JSON.parse((originals.get(MANIFEST_FILE) as Buffer).toString('utf8'));
  manifest.version = 'not-semver';
  await writeFile(join(pkg.dir, MANIFEST_FILE), JSON.stringify(manifest));
  await assert.rejects(signModelPackage(pkg.dir, pkg.privateKeyPem), rejectsWith('CXR_ERR_PACKAGE_MANIFEST_INVALID'));
  await restore();
});

test('re-signing with another key makes the package load only with that key', async () => {
  const other = generateKeyPair();
  await signModelPackage(pkg.dir, other.privateKeyPem);
  await loadModelPackage(pkg.dir, { trustedPublicKeysPem: [other.publicKeyPem] });
  await assert.rejects(
    loadModelPackage(pkg.dir, { trustedPublicKeysPem: [pkg.publicKeyPem] }),
    rejectsWith('CXR_ERR_PACKAGE_UNTRUSTED_KEY'),
  );
  await restore();
});
