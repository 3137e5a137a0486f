/**
 * A publish the broker refuses must not look like success. REAL Mosquitto with password logins and an ACL that
 * lets the agent publish its status but NOT its results: Mosquitto PUBACKs the denied MQTT 3.1.1 publish and
 * drops it (and Debian's 2.0.11 then often drops the connection, so the link flaps). The agent (in-process, real model) raises the acks-stalled alert once (log line, /metrics gauge,
 * `acksStalled` in its status); when the ACL is fixed (broker restarted with the shipped rule) the results
 * are delivered and the alert clears once, with its duration.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { type AgentFixture, agentFixture, REPO_ROOT, SAMPLES } from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const AGENT_LOGIN = 'clinic-1/room-2'; // the fixture's site/agentId
const DENY_RESULTS = [
  'user cxr-hub',
  'topic readwrite cxr/v1/#',
  'pattern write cxr/v1/%u/status',
  'pattern write cxr/v1/%u/model/state',
  'pattern read cxr/v1/%u/ack',
  'pattern read cxr/v1/%u/model/desired',
  '',
].join('\n');

describe('agent alert when the broker takes publishes but no ack comes back (real Mosquitto ACL)', () => {
  let fx: AgentFixture;
  let broker: RunningMosquitto;
  let hub: AckResponder;
  let agent: RunningAgent;
  let aclFile: string;
  const logLines: string[] = [];
  const alerts = () => logLines.map((l) => JSON.parse(l)).filter((l) => l.alert === 'acks-stalled');
  const metrics = async () => (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();

  before(async () => {
    fx = await agentFixture();
    aclFile = join(fx.root, 'acl');
    writeFileSync(aclFile, DENY_RESULTS);
    const passwd = join(fx.root, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, pw] of [
      ['cxr-hub', 'hub-pw'],
      [AGENT_LOGIN, 'agent-pw'],
    ] as const)
      execFileSync('mosquitto_passwd', ['-b', passwd, user, pw]);
    broker = await startMosquitto({
      extraConfig: `allow_anonymous false\npassword_file ${passwd}\nacl_file ${aclFile}`,
    });
    hub = await startAckResponder(broker.url, `hub-${process.pid}`, { username: 'cxr-hub', password: 'hub-pw' });
    const base = fx.config(broker.url);
    const mqtt = { ...(base.mqtt as object), username: AGENT_LOGIN, password: 'agent-pw', ackAlertMs: 3000 };
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    agent = await startAgent(parseAgentConfig({ ...base, mqtt }, fx.root), { logger: pino({ level: 'info' }, sink) });
  });
  after(async () => {
    await agent?.close();
    await hub?.close();
    await broker?.stop();
  });

  it('raises acks-stalled once: log line, gauge and status, while the broker PUBACKs the denied publishes', async () => {
    copyFileSync(join(SAMPLES, 'nih/images/00000032_038.png'), join(fx.inDir, 'a.png'));
    copyFileSync(join(SAMPLES, 'nih/images/00001280_004.png'), join(fx.inDir, 'b.png'));
    await hub.waitFor(() => alerts().length > 0, 30_000, 'the acks-stalled alert');
    const [raised] = alerts();
    assert.equal(raised.level, 50, 'logged as an error');
    // Mosquitto 2.0.11 PUBACKs the denied publish and then often drops the link ("Bad socket read/write"):
    // the alert comes from a PUBACKed result left unacked, or from the link returning again and again.
    assert.ok(raised.brokerConfirmed >= 1 || raised.reconnects >= 3, JSON.stringify(raised));
    assert.equal(hub.results.size, 0, 'the denied results never reached the hub');
    assert.match(await metrics(), /^cxr_agent_acks_stalled 1$/m);
    await hub.waitFor(() => hub.statuses.some((s) => s.acksStalled === true), 10_000, 'acksStalled in the status');
    await new Promise((r) => setTimeout(r, 2000)); // re-sends keep failing silently
    assert.equal(alerts().length, 1, 'one line, not one per re-send');
  });

  it('clears once, with the duration, when the ACL allows results again', async () => {
    copyFileSync(join(REPO_ROOT, 'deploy/mosquitto/acl'), aclFile);
    assert.match(readFileSync(aclFile, 'utf8'), /pattern write cxr\/v1\/%u\/result/);
    await broker.restart();
    await hub.waitFor(() => hub.results.size === 2 && agent.store.outboxSize() === 0, 30_000, 'results delivered');
    await hub.waitFor(() => alerts().length === 2, 10_000, 'the recovery line');
    const recovered = alerts()[1];
    assert.equal(recovered.level, 30);
    assert.equal(typeof recovered.lastedS, 'number');
    assert.match(await metrics(), /^cxr_agent_acks_stalled 0$/m);
    await hub.waitFor(
      () => hub.statuses.at(-1)?.online === true && hub.statuses.at(-1)?.acksStalled === undefined,
      10_000,
      'a status without acksStalled',
    );
  });
});
