/**
 * The shipped systemd units (deploy/systemd/) pass `systemd-analyze verify` and stay hardened: each runs as its
 * own user with ProtectSystem=strict, NoNewPrivileges and a restart policy, and `systemd-analyze security`
 * rates its exposure at most MAX_EXPOSURE ("OK"). Skips, saying why, only when systemd-analyze is missing
 * (scripts/setup.sh installs the `systemd` package; nothing here needs systemd to be running).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const UNITS = fileURLToPath(new URL('../../deploy/systemd/', import.meta.url));
const MAX_EXPOSURE = 2;
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
const skip = analyze ? false : 'systemd-analyze is missing (apt-get install systemd; scripts/setup.sh does)';
const SHIPPED = ['cxr-agent.service', 'cxr-hub.service', 'cxr-hub@.service', 'cxr-trainer.service'];
/** A template unit (hub replicas) is checked as one instance of it. */
const instanceName = (name: string) => name.replace('@.service', '@1.service');

/** The units as shipped; ExecStart's /usr/bin/node is pointed at this node when the machine keeps it elsewhere. */
function unitCopies(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-units-'));
  return SHIPPED.map((name) => {
    const target = join(dir, instanceName(name));
    if (existsSync('/usr/bin/node')) copyFileSync(join(UNITS, name), target);
    else writeFileSync(target, readFileSync(join(UNITS, name), 'utf8').replace('/usr/bin/node', process.execPath));
    return target;
  });
}

function directives(unit: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(join(UNITS, unit), 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) out.set(match[1] as string, [...(out.get(match[1] as string) ?? []), match[2] as string]);
  }
  return out;
}

describe('systemd units', { skip }, () => {
  it('pass systemd-analyze verify with no warning', () => {
    const run = spawnSync(analyze as string, ['verify', ...unitCopies()], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr.trim(), '', 'no warnings');
  });

  for (const unit of SHIPPED) {
    it(`${unit}: own user, read-only system, no new privileges, restarts, exposure <= ${MAX_EXPOSURE}`, () => {
      const d = directives(unit);
      const one = (key: string) => d.get(key)?.at(-1);
      assert.match(one('User') ?? '', /^cxr-(agent|hub|trainer)$/);
      assert.equal(one('ProtectSystem'), 'strict');
      assert.equal(one('NoNewPrivileges'), 'yes');
      assert.match(one('Restart') ?? '', /^(always|on-failure)$/);
      assert.ok(Number(one('RestartSec')) > 0);
      assert.ok(one('StateDirectory'), 'a writable state directory');
      assert.equal(one('CapabilityBoundingSet'), '');
      if (unit === 'cxr-agent.service') assert.ok(d.get('ReadWritePaths')?.length, 'watch folders listed');
      const copy = unitCopies().find((p) => p.endsWith(instanceName(unit))) as string;
      const report = spawnSync(
        analyze as string,
        ['security', '--offline=true', `--threshold=${MAX_EXPOSURE * 10}`, '--no-pager', copy],
        { encoding: 'utf8' },
      );
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(report.stdout)?.[1];
      assert.ok(level !== undefined, report.stdout + report.stderr);
      assert.ok(Number(level) <= MAX_EXPOSURE, `exposure ${level} > ${MAX_EXPOSURE}:\n${report.stdout}`);
    });
  }

  it('systemd-analyze is the real one (a broken unit fails verify)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxr-units-bad-'));
    writeFileSync(join(dir, 'bad.service'), '[Service]\nExecStart=relative/path\nProtectSystem=sometimes\n');
    const run = spawnSync(analyze as string, ['verify', join(dir, 'bad.service')], { encoding: 'utf8' });
    assert.ok(run.status !== 0 || run.stderr.trim() !== '', 'the broken unit was reported');
    assert.ok(execFileSync(analyze as string, ['--version'], { encoding: 'utf8' }).startsWith('systemd'));
  });
});
