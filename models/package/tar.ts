/**
 * The single-file form of a model package for transport: a plain (ustar) tar of manifest.json,
 * model.onnx and signature at the top level.
 *
 * `unpackTar` accepts exactly those three regular files and nothing else, so a path such as `../x`,
 * `/etc/x`, a link or a directory entry cannot write outside `destDir`: it is rejected with
 * CXR_ERR_PACKAGE_TAR_INVALID before anything is written. Unpacking does not verify the package; load it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create, Parser, type ReadEntry } from 'tar';
import { CxrError } from '../errors.ts';
import { PACKAGE_FILES } from './package-files.ts';

const MAX_PACKAGE_BYTES = 2 ** 31;

export async function packTar(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = create({ cwd: dir, portable: true, mtime: new Date(0) }, [...PACKAGE_FILES]);
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function invalid(message: string, cause?: unknown): CxrError {
  return new CxrError('CXR_ERR_PACKAGE_TAR_INVALID', message, { kind: 'input', cause });
}

/** Reads the three package files out of tar bytes into memory, rejecting anything else. */
export async function readTarEntries(tarBytes: Uint8Array): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const allowed = new Set<string>(PACKAGE_FILES);
  let problem: CxrError | undefined;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      const name = entry.path;
      if (!problem && (entry.type !== 'File' || !allowed.has(name) || files.has(name))) {
        problem = invalid(
          `unexpected tar entry "${name.slice(0, 80)}" (${entry.type}); only ${PACKAGE_FILES.join(', ')}`,
        );
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_PACKAGE_BYTES && !problem) problem = invalid('tar is larger than 2 GiB');
        if (!problem) chunks.push(chunk);
      });
      entry.on('end', () => {
        if (!problem) files.set(name, Buffer.concat(chunks));
      });
    });
    parser.on('error', (cause: unknown) => reject(invalid('not a readable tar file', cause)));
    parser.on('end', () => resolve());
    parser.end(Buffer.from(tarBytes));
  });
  if (problem) throw problem;
  const missing = PACKAGE_FILES.filter((name) => !files.has(name));
  if (missing.length > 0) throw invalid(`tar lacks ${missing.join(', ')}`);
  return files;
}

export async function unpackTar(tarBytes: Uint8Array, destDir: string): Promise<void> {
  const files = await readTarEntries(tarBytes);
  await mkdir(destDir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(destDir, name), bytes);
}
