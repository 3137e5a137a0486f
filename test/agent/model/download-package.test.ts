/** Package downloads against a real node:http server: Range resume, size and sha256 checks, HTTP errors. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type DownloadRequest, downloadPackage } from '../../../agent/model/download-package.ts';
import { type PackageServer, startPackageServer } from '../../support/package-server.ts';
import { issueCert, makeTestCa } from '../../support/test-certs.ts';

const BYTES = randomBytes(200_000);
const SHA = createHash('sha256').update(BYTES).digest('hex');
let server: PackageServer;
let url: string;

before(async () => {
  server = await startPackageServer();
  url = server.serve('/pkg.tar', BYTES);
});
after(() => server.close());

function request(over: Partial<DownloadRequest> = {}): DownloadRequest & { progress: number[] } {
  const progress: number[] = [];
  return {
    url,
    sha256: SHA,
    sizeBytes: BYTES.length,
    partPath: join(mkdtempSync(join(tmpdir(), 'cxr-download-')), '.download', `${SHA}.part`),
    idleTimeoutMs: 5000,
    retryInitialMs: 10,
    signal: new AbortController().signal,
    onProgress: (bytes) => progress.push(bytes),
    progress,
    ...over,
  };
}

const rangesSince = (from: number) => server.requests.slice(from).map((r) => r.range);

it('downloads the whole package and reports progress up to totalBytes', async () => {
  const req = request();
  await downloadPackage(req);
  assert.ok(readFileSync(req.partPath).equals(BYTES));
  assert.equal(req.progress.at(-1), BYTES.length);
});

it('resumes a transfer cut mid-way with Range from the bytes it has', async () => {
  const from = server.requests.length;
  server.cutOnce('/pkg.tar', 50_000);
  const req = request();
  await downloadPackage(req);
  assert.ok(readFileSync(req.partPath).equals(BYTES));
  const ranges = rangesSince(from);
  assert.equal(ranges.length, 2);
  assert.equal(ranges[0], undefined);
  assert.match(ranges[1] ?? '', /^bytes=\d+-$/);
  const resumedAt = Number(/\d+/.exec(ranges[1] ?? '')?.[0]);
  assert.ok(resumedAt > 0 && resumedAt <= 50_000, `resumed where the part ended (${resumedAt})`);
});

it('continues a .part left by an earlier run (a restart) with Range', async () => {
  const req = request();
  mkdirSync(join(req.partPath, '..'), { recursive: true });
  writeFileSync(req.partPath, BYTES.subarray(0, 123_456));
  const from = server.requests.length;
  await downloadPackage(req);
  assert.deepEqual(rangesSince(from), ['bytes=123456-']);
  assert.ok(readFileSync(req.partPath).equals(BYTES));
});

it('starts over when the server ignores Range (200)', async () => {
  const req = request();
  mkdirSync(join(req.partPath, '..'), { recursive: true });
  writeFileSync(req.partPath, Buffer.alloc(1000, 7)); // wrong bytes: only a full 200 body can fix them
  server.ignoreRange = true;
  try {
    await downloadPackage(req);
  } finally {
    server.ignoreRange = false;
  }
  assert.ok(readFileSync(req.partPath).equals(BYTES));
});

it('refuses bytes with another sha256 with CXR_ERR_AGENT_MODEL_SHA256_MISMATCH and deletes them', async () => {
  const flipped = Buffer.from(BYTES);
  flipped[1000] = (flipped[1000] as number) ^ 0xff;
  const flippedUrl = server.serve('/flipped.tar', flipped);
  const req = request({ url: flippedUrl });
  await assert.rejects(downloadPackage(req), { code: 'CXR_ERR_AGENT_MODEL_SHA256_MISMATCH' });
  assert.equal(existsSync(req.partPath), false);
});

it('refuses a package of another size with CXR_ERR_AGENT_MODEL_SIZE_MISMATCH', async () => {
  const req = request({ sizeBytes: BYTES.length - 1 });
  await assert.rejects(downloadPackage(req), { code: 'CXR_ERR_AGENT_MODEL_SIZE_MISMATCH' });
  assert.equal(existsSync(req.partPath), false);
});

it('fails at once on HTTP 404 with CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED', async () => {
  const from = server.requests.length;
  const req = request({ url: `${server.baseUrl}/missing.tar` });
  await assert.rejects(downloadPackage(req), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED');
    assert.match(error.message, /HTTP 404/);
    return true;
  });
  assert.equal(server.requests.length - from, 1, 'not retried');
});

it('gives up after its attempts when the server is unreachable', async () => {
  const req = request({ url: 'http://127.0.0.1:1/pkg.tar', attempts: 2 });
  await assert.rejects(downloadPackage(req), { code: 'CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED' });
});

it('stops when aborted and rethrows the abort reason', async () => {
  const controller = new AbortController();
  const reason = new Error('stop');
  controller.abort(reason);
  await assert.rejects(downloadPackage(request({ signal: controller.signal })), (e) => e === reason);
});

it('downloads over https trusting the configured CA (mqtt.caFile), and refuses an unknown issuer without it', async () => {
  const ca = makeTestCa(mkdtempSync(join(tmpdir(), 'cxr-download-pki-')));
  const { key, cert } = issueCert(ca, 'server', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
  const tls = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'content-length': BYTES.length }).end(BYTES);
  });
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const httpsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/pkg.tar`;
  try {
    const req = request({ url: httpsUrl, ca: ca.cert });
    await downloadPackage(req);
    assert.ok(readFileSync(req.partPath).equals(BYTES));
    await assert.rejects(
      downloadPackage(request({ url: httpsUrl, attempts: 1 })),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CXR_ERR_AGENT_MODEL_DOWNLOAD_FAILED');
        assert.match(error.message, /certificate/i);
        return true;
      },
    );
  } finally {
    tls.closeAllConnections();
    await new Promise((resolve) => tls.close(resolve));
  }
});
