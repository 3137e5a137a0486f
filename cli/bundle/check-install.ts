/**
 * `cxr bundle --check`: does this installation run here? In: the installed tree. Out: one line per part, each
 * ok or with the error: the SQLite addon (an in-memory outbox database), the image reader (a PNG made by
 * sharp and read back with readImage), the signed baseline model verified against the shipped trusted keys,
 * and its golden self-test on each runtime (OpenVINO through koffi, ONNX Runtime). Needs no network.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { openAgentDatabase } from '../../agent/store/database.ts';
import { asCxrError } from '../../models/errors.ts';
import { readImage } from '../../models/image/read-image.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import { selfTest } from '../../models/runtime/self-test.ts';

export interface InstallCheck {
  part: string;
  ok: boolean;
  detail: string;
}

async function check(part: string, body: () => Promise<string>): Promise<InstallCheck> {
  try {
    return { part, ok: true, detail: await body() };
  } catch (thrown) {
    const error = asCxrError(thrown);
    return { part, ok: false, detail: `${error.code}: ${error.message}` };
  }
}

export async function checkInstall(repoRoot: string): Promise<InstallCheck[]> {
  const checks = [
    await check('sqlite', async () => {
      const db = openAgentDatabase(':memory:');
      db.close();
      return 'better-sqlite3 opened an outbox database';
    }),
    await check('image reader', async () => {
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
      const image = await readImage(png);
      return `sharp + readImage: ${image.cols}x${image.rows} ${image.format}`;
    }),
  ];
  const trusted = await readTrustedKeys([]);
  const model = join(repoRoot, 'models', 'baseline');
  for (const runtime of ['openvino', 'onnxruntime'] as const) {
    checks.push(
      await check(runtime, async () => {
        const { pkg, cleanup } = await loadPackageFromPath(model, { trustedPublicKeysPem: trusted });
        try {
          const { session } = await openSession(pkg, { runtime });
          try {
            const report = await selfTest(session, pkg.manifest);
            return `model ${pkg.manifest.version} verified, self-test max |diff| ${report.maxAbsDiff.toExponential(1)}`;
          } finally {
            await session.close();
          }
        } finally {
          await cleanup();
        }
      }),
    );
  }
  return checks;
}
