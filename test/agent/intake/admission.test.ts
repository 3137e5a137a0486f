import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { admissionRefusal, inspectPath, resolveRoots, unreadKey } from '../../../agent/intake/admission.ts';

const rules = { maxFileBytes: 1000, symlinks: 'inside-roots' as const };
const plain = (sizeBytes: number) => ({ sizeBytes, isLink: false });

describe('admission (pure)', () => {
  it('admits a plain file of 1..maxFileBytes bytes', () => {
    assert.equal(admissionRefusal(plain(1), rules, []), undefined);
    assert.equal(admissionRefusal(plain(1000), rules, []), undefined);
  });
  it('refuses an empty file with CXR_ERR_EMPTY_FILE and a larger one with CXR_ERR_AGENT_FILE_TOO_LARGE', () => {
    assert.equal(admissionRefusal(plain(0), rules, [])?.code, 'CXR_ERR_EMPTY_FILE');
    const big = admissionRefusal(plain(2 ** 31), rules, []);
    assert.equal(big?.code, 'CXR_ERR_AGENT_FILE_TOO_LARGE');
    assert.match(big?.message ?? '', /2147483648 bytes, more than maxFileBytes \(1000\)/);
  });
  it('follows a link into a watched root and refuses one that leads outside (inside-roots)', () => {
    const roots = ['/srv/in', '/mnt/share'];
    assert.equal(
      admissionRefusal({ sizeBytes: 5, isLink: true, target: '/mnt/share/a/b.dcm' }, rules, roots),
      undefined,
    );
    for (const target of ['/etc/shadow', '/srv/inbox/x.dcm', '/srv', '']) {
      assert.equal(
        admissionRefusal({ sizeBytes: 5, isLink: true, target }, rules, roots)?.code,
        'CXR_ERR_AGENT_SYMLINK_REFUSED',
        target,
      );
    }
  });
  it('checks the link before the size: an outside link to an empty file is a link refusal', () => {
    const refusal = admissionRefusal({ sizeBytes: 0, isLink: true, target: '/etc/x' }, rules, ['/srv/in']);
    assert.equal(refusal?.code, 'CXR_ERR_AGENT_SYMLINK_REFUSED');
  });
  it('refuses every link under `refuse` and none under `follow`', () => {
    const link = { sizeBytes: 5, isLink: true, target: '/srv/in/a' };
    assert.equal(
      admissionRefusal(link, { ...rules, symlinks: 'refuse' }, ['/srv/in'])?.code,
      'CXR_ERR_AGENT_SYMLINK_REFUSED',
    );
    assert.equal(
      admissionRefusal({ ...link, target: '/etc/x' }, { ...rules, symlinks: 'follow' }, ['/srv/in']),
      undefined,
    );
  });
  it('records an empty file under the hash of empty content and an unread one under a key of its own', () => {
    const empty = { code: 'CXR_ERR_EMPTY_FILE' as const, message: '' };
    const big = { code: 'CXR_ERR_AGENT_FILE_TOO_LARGE' as const, message: '' };
    assert.equal(unreadKey(empty, '/a', 0, 1), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.match(unreadKey(big, '/a', 9, 1), /^[0-9a-f]{64}$/);
    assert.notEqual(unreadKey(big, '/a', 9, 1), unreadKey(big, '/b', 9, 1));
    assert.equal(unreadKey(big, '/a', 9, 1), unreadKey(big, '/a', 9, 1));
  });
});

describe('inspectPath (real files and links)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-admission-'));
  mkdirSync(join(dir, 'root'));
  writeFileSync(join(dir, 'outside.txt'), 'secret');
  writeFileSync(join(dir, 'root', 'a.dcm'), 'abc');
  symlinkSync(join(dir, 'outside.txt'), join(dir, 'root', 'out-link'));
  symlinkSync('a.dcm', join(dir, 'root', 'in-link'));
  symlinkSync(join(dir, 'missing'), join(dir, 'root', 'dangling'));

  it('reports a plain file, a link with its resolved target, and nothing for a dangling link', async () => {
    const [root] = await resolveRoots([join(dir, 'root')]);
    const a = await inspectPath(join(dir, 'root', 'a.dcm'));
    assert.equal(a?.isLink, false);
    assert.equal(a?.info.size, 3);
    const out = await inspectPath(join(dir, 'root', 'out-link'));
    assert.equal(out?.isLink, true);
    assert.equal(out?.info.size, 6, "the target's size, from stat (metadata, no read)");
    assert.equal(admissionRefusal({ sizeBytes: 6, ...out! }, rules, [root!])?.code, 'CXR_ERR_AGENT_SYMLINK_REFUSED');
    const inside = await inspectPath(join(dir, 'root', 'in-link'));
    assert.equal(admissionRefusal({ sizeBytes: 3, ...inside! }, rules, [root!]), undefined);
    assert.equal(await inspectPath(join(dir, 'root', 'dangling')), undefined);
    assert.equal(await inspectPath(join(dir, 'nope')), undefined);
  });
});
