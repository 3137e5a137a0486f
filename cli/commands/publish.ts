/**
 * `cxr publish <package dir|.tar> --hub <url> [--token <t>] [--alias <name>] [--json]`: uploads a signed
 * model package to the hub's registry (a directory is packed into the `.tar` form first). The publisher
 * token comes from `--token` or `CXR_PUBLISH_TOKEN`. The hub verifies the package; the same version with
 * the same bytes again is fine, with other bytes it is refused (CXR_ERR_HUB_MODEL_VERSION_EXISTS, exit 2).
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { CxrError } from '../../models/errors.ts';
import { packTar } from '../../models/package/tar.ts';
import { hubBaseUrl, hubFetch, readJson } from '../hub-http.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface PublishOptions {
  hub?: string;
  token?: string;
  alias?: string;
  json?: boolean;
}

interface PublishAnswer {
  created: boolean;
  model: { name: string; version: string; sha256: string; sizeBytes: number; aliases: string[] };
}

async function packageBytes(path: string): Promise<Buffer> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new CxrError('CXR_ERR_PACKAGE_MISSING_FILE', `no model package at ${path}`, { cause });
  });
  return info.isDirectory() ? packTar(path) : readFile(path);
}

async function publish(path: string, options: PublishOptions): Promise<PublishAnswer> {
  const base = hubBaseUrl(options.hub);
  const token = options.token ?? process.env.CXR_PUBLISH_TOKEN;
  if (!token) throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'give --token <publisher token> or set CXR_PUBLISH_TOKEN');
  const body = await packageBytes(path);
  const query = options.alias ? `?alias=${encodeURIComponent(options.alias)}` : '';
  const response = await hubFetch(`${base}/api/models${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });
  return readJson<PublishAnswer>(response);
}

export const publishCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('publish')
      .description('upload a signed model package (dir or .tar) to the hub registry')
      .argument('<package>', 'package directory or .tar')
      .option('--hub <url>', 'hub URL, e.g. https://hub.example.org:8443')
      .option('--token <token>', 'publisher token (default: env CXR_PUBLISH_TOKEN)')
      .option('--alias <name>', 'also point this alias (e.g. candidate) at the version')
      .option('--json', 'print JSON')
      .action(async (path: string, options: PublishOptions) => {
        await runCommand(
          options,
          () => publish(path, options),
          (r) =>
            `${r.created ? 'published' : 'already registered:'} ${r.model.name} ${r.model.version} ` +
            `(${(r.model.sizeBytes / 1024).toFixed(0)} KiB, sha256 ${r.model.sha256.slice(0, 12)}…)` +
            (r.model.aliases.length ? `; aliases ${r.model.aliases.join(', ')}` : ''),
        );
      });
  },
};
