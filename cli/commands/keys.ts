/**
 * `cxr keys generate --out <dir> [--name <name>]`: a new Ed25519 publisher key pair,
 *   `<name>.key.pem` (mode 0600, keep secret) and `<name>.pub.pem` (give to agents/hub: models/trusted-keys/).
 * `cxr keys sign <package-dir> --key <key.pem> [--tar <out.tar>]`: (re)computes the model hash, signs
 *   manifest.json, optionally writes the single-file .tar form.
 * `cxr keys verify <package-dir|.tar> [--trust <pub.pem...>]`: verifies files, signature (against
 *   models/trusted-keys/*.pub.pem plus --trust), manifest and hash. Exit 2 when it does not verify.
 * All take `--json`.
 */
import { constants } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CxrError } from '../../models/errors.ts';
import { generateKeyPair, keyId } from '../../models/package/keys.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { packTar } from '../../models/package/tar.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { signModelPackage } from '../../models/package/write-package.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { mode, flag: constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY });
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CxrError(
      'CXR_ERR_KEY_EXISTS',
      exists ? `${path} exists; not overwriting a key` : `cannot write ${path}`,
      {
        kind: exists ? 'input' : 'internal',
        cause,
      },
    );
  }
}

async function generate(options: { out: string; name: string }) {
  if (!/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new CxrError('CXR_ERR_KEY_INVALID', '--name may use letters, digits, ".", "_" and "-" only');
  }
  const keys = generateKeyPair();
  await mkdir(options.out, { recursive: true });
  const privateKey = resolve(join(options.out, `${options.name}.key.pem`));
  const publicKey = resolve(join(options.out, `${options.name}.pub.pem`));
  await writeNew(privateKey, keys.privateKeyPem, 0o600);
  await writeNew(publicKey, keys.publicKeyPem, 0o644);
  return { keyId: keyId(keys.publicKeyPem), privateKey, publicKey };
}

async function sign(dir: string, options: { key: string; tar?: string }) {
  const pem = await readFile(options.key, 'utf8').catch((cause: unknown) => {
    throw new CxrError('CXR_ERR_KEY_INVALID', `cannot read key file ${options.key}`, { cause });
  });
  const signed = await signModelPackage(dir, pem);
  if (options.tar) await writeFile(options.tar, await packTar(dir));
  return {
    package: resolve(dir),
    keyId: signed.keyId,
    modelSha256: signed.sha256,
    ...(options.tar ? { tar: resolve(options.tar) } : {}),
  };
}

async function verify(path: string, options: { trust: string[] }) {
  const trusted = await readTrustedKeys(options.trust);
  const { pkg, cleanup } = await loadPackageFromPath(path, { trustedPublicKeysPem: trusted });
  await cleanup();
  const { name, version, createdAt, modelSha256 } = pkg.manifest;
  return { package: resolve(path), valid: true, keyId: pkg.publisherKeyId, name, version, createdAt, modelSha256 };
}

export const keysCommand: CommandModule = {
  register(program: Command): void {
    const keys = program.command('keys').description('publisher keys: generate, sign and verify model packages');
    keys
      .command('generate')
      .description('create an Ed25519 key pair: <name>.key.pem (0600) and <name>.pub.pem')
      .requiredOption('--out <dir>', 'folder for the two files')
      .option('--name <name>', 'file name stem', 'publisher')
      .option('--json', 'print JSON')
      .action(async (options: { out: string; name: string; json?: boolean }) => {
        await runCommand(
          options,
          () => generate(options),
          (r) => [`key id ${r.keyId}`, `private: ${r.privateKey} (keep secret)`, `public:  ${r.publicKey}`].join('\n'),
        );
      });
    keys
      .command('sign')
      .description('hash model.onnx, sign manifest.json of a package directory (optionally write a .tar)')
      .argument('<package-dir>')
      .requiredOption('--key <key.pem>', 'publisher private key')
      .option('--tar <out.tar>', 'also write the single-file form')
      .option('--json', 'print JSON')
      .action(async (dir: string, options: { key: string; tar?: string; json?: boolean }) => {
        await runCommand(
          options,
          () => sign(dir, options),
          (r) =>
            `signed ${r.package} with key ${r.keyId} (model sha256 ${r.modelSha256})${r.tar ? `\ntar: ${r.tar}` : ''}`,
        );
      });
    keys
      .command('verify')
      .description('verify a package (dir or .tar): files, signature by a trusted key, manifest, model hash')
      .argument('<package>')
      .option('--trust <pub.pem...>', 'trusted public keys besides models/trusted-keys/*.pub.pem', [])
      .option('--json', 'print JSON')
      .action(async (path: string, options: { trust: string[]; json?: boolean }) => {
        await runCommand(
          options,
          () => verify(path, options),
          (r) => `OK ${r.name} ${r.version}: signed by trusted key ${r.keyId}, model sha256 ${r.modelSha256}`,
        );
      });
  },
};
