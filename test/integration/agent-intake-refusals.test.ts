/**
 * Files the agent must not read, end to end with the real agent (in-process, real model, real files; no broker
 * needed: results wait in the outbox): empty files, a 2 GiB+ file (sparse, so it costs no disk), symbolic links
 * leading outside the watched folders, a linked folder, and a folder that refuses every link. Each is
 * quarantined with its code and a log line, never retried, and no refused link's target is read or moved.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { type AgentFixture, agentFixture, SAMPLES } from '../agent/fixture.ts';

const PNG_A = join(SAMPLES, 'nih/images/00000032_038.png');
const PNG_B = join(SAMPLES, 'nih/images/00001280_004.png');

async function until(what: string, predicate: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `{ name: code }` for every `.error.json` under the quarantine folder (recursively). */
function quarantined(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (rel.endsWith('.error.json'))
      out[rel.replace('.error.json', '')] = JSON.parse(readFileSync(join(dir, rel), 'utf8')).code;
  }
  return out;
}

describe('agent intake refusals (empty, too large, symbolic links)', () => {
  let fx: AgentFixture;
  let agent: RunningAgent;
  let outside: string;
  let strictDir: string;
  const logLines: string[] = [];

  before(async () => {
    fx = await agentFixture();
    outside = join(fx.root, 'outside');
    strictDir = join(fx.root, 'strict');
    mkdirSync(outside);
    mkdirSync(strictDir);
    mkdirSync(join(outside, 'folder'));
    copyFileSync(PNG_A, join(outside, 'secret.png'));
    copyFileSync(PNG_B, join(outside, 'folder', 'inner.png'));
    const base = fx.config('mqtt://127.0.0.1:1');
    const [inbox] = base.watch as Record<string, unknown>[];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const config = { ...base, watch: [inbox, { ...inbox, path: strictDir, symlinks: 'refuse' }] };
    agent = await startAgent(parseAgentConfig(config, fx.root), { logger: pino({ level: 'info' }, sink) });
  });
  after(() => agent?.close());

  it('quarantines an old empty file at once, a fresh one after the grace, with CXR_ERR_EMPTY_FILE', async () => {
    const old = join(fx.inDir, 'old-empty.dcm');
    writeFileSync(old, '');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(old, hourAgo, hourAgo);
    writeFileSync(join(fx.inDir, 'fresh-empty.dcm'), '');
    const q = join(fx.dataDir, 'quarantine');
    await until('old empty file quarantined', () => quarantined(q)['old-empty.dcm'] !== undefined);
    assert.ok(existsSync(join(fx.inDir, 'fresh-empty.dcm')), 'a fresh empty file waits for its writer');
    await until('fresh empty file quarantined', () => quarantined(q)['fresh-empty.dcm'] !== undefined);
    assert.equal(quarantined(q)['old-empty.dcm'], 'CXR_ERR_EMPTY_FILE');
    assert.equal(quarantined(q)['fresh-empty.dcm'], 'CXR_ERR_EMPTY_FILE');
  });

  it('quarantines a 2 GiB+ file unread with CXR_ERR_AGENT_FILE_TOO_LARGE (default maxFileBytes 1 GiB)', async () => {
    const huge = join(fx.inDir, 'huge.dcm');
    writeFileSync(huge, '');
    truncateSync(huge, 2 ** 31 + 1); // sparse: above Node's 2 GiB readFile limit (ERR_FS_FILE_TOO_LARGE)
    const q = join(fx.dataDir, 'quarantine');
    await until('huge file quarantined', () => quarantined(q)['huge.dcm'] !== undefined);
    assert.equal(quarantined(q)['huge.dcm'], 'CXR_ERR_AGENT_FILE_TOO_LARGE');
    assert.ok(process.memoryUsage().rss < 2 ** 31, 'the file was not read into memory');
  });

  it('refuses a link to a file outside the watched folders and leaves the target alone', async () => {
    symlinkSync(join(outside, 'secret.png'), join(fx.inDir, 'escape.png'));
    const q = join(fx.dataDir, 'quarantine');
    await until('outside link quarantined', () => quarantined(q)['escape.png'] !== undefined);
    assert.equal(quarantined(q)['escape.png'], 'CXR_ERR_AGENT_SYMLINK_REFUSED');
    assert.deepEqual(readFileSync(join(outside, 'secret.png')), readFileSync(PNG_A), 'target untouched, in place');
    assert.equal(agent.store.fileCounts().scored, 0, 'nothing was scored from it');
  });

  it('does not descend into a linked folder that leads outside', async () => {
    symlinkSync(join(outside, 'folder'), join(fx.inDir, 'linked-folder'));
    // A real image after it: once that is scored, the watcher and a rescan have passed the linked folder.
    copyFileSync(PNG_B, join(fx.inDir, 'real.png'));
    await until('the real image scored', () => agent.store.fileCounts().scored === 1);
    await new Promise((r) => setTimeout(r, 2500)); // one more full rescan (rescanIntervalMs 2000)
    assert.equal(agent.store.fileCounts().scored, 1, 'only the real image, not the linked folder content');
    assert.ok(existsSync(join(outside, 'folder', 'inner.png')), 'the linked folder content is untouched');
  });

  it('follows a link into another watched folder, and refuses every link in a `refuse` folder', async () => {
    const scoredBefore = agent.store.fileCounts().scored;
    // The target is a `.part` name, never a candidate itself: only the links lead to it.
    const target = join(fx.inDir, 'target-in-inbox.png.part');
    writeFileSync(target, readFileSync(PNG_A));
    symlinkSync(target, join(strictDir, 'link-in-strict.png'));
    symlinkSync(target, join(fx.inDir, 'inside-link.png'));
    const q = join(fx.dataDir, 'quarantine');
    await until('link in the strict folder quarantined', () => quarantined(q)['link-in-strict.png'] !== undefined);
    assert.equal(quarantined(q)['link-in-strict.png'], 'CXR_ERR_AGENT_SYMLINK_REFUSED');
    await until('the inside link scored', () => agent.store.fileCounts().scored === scoredBefore + 1);
  });

  it('logs each refusal once with its code, and no file names', () => {
    const refusals = logLines.filter((l) => l.includes('"msg":"quarantined unread"'));
    const codes = refusals.map((l) => JSON.parse(l).code).sort();
    assert.deepEqual(codes, [
      'CXR_ERR_AGENT_FILE_TOO_LARGE',
      'CXR_ERR_AGENT_SYMLINK_REFUSED',
      'CXR_ERR_AGENT_SYMLINK_REFUSED',
      'CXR_ERR_EMPTY_FILE',
      'CXR_ERR_EMPTY_FILE',
    ]);
    const text = logLines.join('\n');
    for (const name of ['old-empty', 'huge.dcm', 'escape.png', 'secret.png', fx.root]) {
      assert.ok(!text.includes(name), `log mentions ${name}`);
    }
  });
});
