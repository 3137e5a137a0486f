/**
 * `cxr publish` and `cxr rollout` as processes against a real running hub: publish a package directory,
 * refusals with their codes and exit 2, start / status / pause / abort / pin as an admin, an unreachable hub
 * (exit 1), and --json printing only JSON on stdout.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import { topicFor } from '../../protocol/topics.ts';
import { PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { PUBLISH_TOKEN, PUBLISHER_KEYS, registryHubConfig, statusOn } from '../hub/registry-fixtures.ts';
import { runCxr } from '../support/cxr-cli.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };

describe('cxr publish and cxr rollout', () => {
  let hub: RunningHub;
  let packageDir: string;
  const admin = { env: { CXR_HUB_PASSWORD: PASSWORDS.admin } };

  before(async () => {
    hub = await startHub(registryHubConfig({}, [A]));
    hub.hub.dispatch(topicFor(A, 'status'), Buffer.from(JSON.stringify(statusOn(A.site, A.agent, '0.9.0'))));
    packageDir = join(tempDir('cxr-cli-publish-'), 'pkg');
    mkdirSync(packageDir);
    await writeTinyModelPackage(packageDir, { version: '2.0.0', keyPair: PUBLISHER_KEYS });
  });
  after(() => hub.close());

  it('publishes a package directory with the token from the environment, idempotently', async () => {
    const first = await runCxr(['publish', packageDir, '--hub', hub.httpUrl, '--alias', 'candidate', '--json'], {
      env: { CXR_PUBLISH_TOKEN: PUBLISH_TOKEN },
    });
    assert.equal(first.code, 0, first.stderr);
    const body = JSON.parse(first.stdout) as { created: boolean; model: { version: string; aliases: string[] } };
    assert.deepEqual([body.created, body.model.version, body.model.aliases], [true, '2.0.0', ['candidate']]);
    const again = await runCxr(['publish', packageDir, '--hub', hub.httpUrl, '--token', PUBLISH_TOKEN]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^already registered: tiny-densenet 2\.0\.0/);
  });

  it('exits 2 with the hub code for a wrong token or a missing one, 1 when the hub is unreachable', async () => {
    const wrong = await runCxr(['publish', packageDir, '--hub', hub.httpUrl, '--token', 'nope', '--json']);
    assert.equal(wrong.code, 2);
    assert.equal(JSON.parse(wrong.stdout).error.code, 'CXR_ERR_HUB_UNAUTHENTICATED');
    const none = await runCxr(['publish', packageDir, '--hub', hub.httpUrl, '--json'], {
      env: { CXR_PUBLISH_TOKEN: '' },
    });
    assert.equal(none.code, 2);
    const down = await runCxr(['rollout', 'status', '--hub', 'http://127.0.0.1:9', '--user', 'boss', '--json'], admin);
    assert.equal(down.code, 1);
    assert.equal(JSON.parse(down.stdout).error.code, 'CXR_ERR_CLI_HUB_UNREACHABLE');
  });

  it('starts, shows, pauses and aborts a rollout as an admin, and pins an agent', async () => {
    const common = ['--hub', hub.httpUrl, '--user', 'boss', '--json'];
    const noPassword = await runCxr(['rollout', 'status', ...common], { env: { CXR_HUB_PASSWORD: '' } });
    assert.equal(noPassword.code, 2);
    const badWaves = await runCxr(['rollout', 'start', '2.0.0', '--waves', '1,x', ...common], admin);
    assert.equal(badWaves.code, 2);
    assert.equal(JSON.parse(badWaves.stdout).error.code, 'CXR_ERR_HUB_BAD_REQUEST');

    const started = await runCxr(
      ['rollout', 'start', 'candidate', '--waves', '1,100%', '--wait', '0', ...common],
      admin,
    );
    assert.equal(started.code, 0, started.stderr);
    const rollout = JSON.parse(started.stdout) as {
      id: string;
      version: string;
      status: string;
      agents: { shown: string }[];
    };
    assert.deepEqual([rollout.version, rollout.status, rollout.agents.length], ['2.0.0', 'running', 1]);

    const status = await runCxr(['rollout', 'status', rollout.id, '--hub', hub.httpUrl, '--user', 'boss'], admin);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^${rollout.id}  2\\.0\\.0  running  waves 1/2`));
    assert.match(status.stdout, /clinic-a\/xr-1 {2}wave 0 {2}pending/);

    const paused = await runCxr(['rollout', 'pause', rollout.id, ...common], admin);
    assert.equal(JSON.parse(paused.stdout).status, 'paused');
    const again = await runCxr(['rollout', 'pause', rollout.id, ...common], admin);
    assert.equal(again.code, 2);
    assert.equal(JSON.parse(again.stdout).error.code, 'CXR_ERR_HUB_ROLLOUT_STATE');
    const aborted = await runCxr(['rollout', 'abort', rollout.id, ...common], admin);
    assert.equal(JSON.parse(aborted.stdout).status, 'aborted');

    const pinned = await runCxr(
      ['rollout', 'pin', '--site', 'clinic-a', '--agent', 'xr-1', '--version', '2.0.0', ...common],
      admin,
    );
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(JSON.parse(pinned.stdout).version, '2.0.0');
    const cleared = await runCxr(
      ['rollout', 'pin', '--site', 'clinic-a', '--agent', 'xr-1', '--clear', '--hub', hub.httpUrl, '--user', 'boss'],
      admin,
    );
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /pin of clinic-a\/xr-1 cleared/);
    const radiologist = await runCxr(
      ['rollout', 'abort', rollout.id, '--hub', hub.httpUrl, '--user', 'rad', '--json'],
      { env: { CXR_HUB_PASSWORD: PASSWORDS.radiologist } },
    );
    assert.equal(JSON.parse(radiologist.stdout).error.code, 'CXR_ERR_HUB_FORBIDDEN');
  });
});
