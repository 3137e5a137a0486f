/**
 * Starts a REAL NATS cluster for tests: `nodes` nats-server processes (Debian's `/usr/sbin/nats-server`, or
 * `CXR_NATS_BIN`) on free loopback ports, clustered, JetStream on, MQTT on each node with the gateway's
 * streams replicated on every node, and the shipped account file (deploy/nats/accounts.conf) with its users
 * file written from `users` (lines from hub/broker/nats-users-file.ts). Each node keeps its store across
 * `kill()` (SIGKILL) and `start()`, like a machine that crashed and came back.
 *
 *   const cluster = await startNatsCluster({ users: [hubUserEntry('cxr-hub', hash)] });
 *   cluster.mqttUrls / cluster.natsUrls
 *   await cluster.nodes[1].kill(); await cluster.nodes[1].start(); await cluster.waitHealthy();
 *   await cluster.stop();   // also done at process exit
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.ts';

const BIN = process.env.CXR_NATS_BIN ?? '/usr/sbin/nats-server';
const SHIPPED_ACCOUNTS = new URL('../../deploy/nats/accounts.conf', import.meta.url);

export interface NatsNode {
  name: string;
  natsUrl: string;
  mqttUrl: string;
  running(): boolean;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Starts the node again on the same ports and store. */
  start(): Promise<void>;
  log(): string;
}

export interface NatsCluster {
  nodes: NatsNode[];
  natsUrls: string[];
  mqttUrls: string[];
  /** Writes every node's users file and makes the nodes read it again (SIGHUP). */
  setUsers(users: string[]): void;
  /** Resolves when every running node reports healthy JetStream and listens for MQTT. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Lines of the cxr account's `users: [ … ]` (hubUserEntry, agentUserEntry). */
  users: string[];
  nodes?: number;
}

interface Ports {
  client: number;
  cluster: number;
  mqtt: number;
  http: number;
}

function nodeConfig(name: string, dir: string, ports: Ports, routes: string[]): string {
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${ports.client}`,
    `http: 127.0.0.1:${ports.http}`,
    `jetstream { store_dir: "${join(dir, 'store')}", max_memory_store: 64MB, max_file_store: 4GB }`,
    `cluster { name: cxr-test, listen: 127.0.0.1:${ports.cluster}, routes: [${routes.join(', ')}] }`,
    // As deploy/nats/nats-server.conf, without TLS.
    `mqtt { listen: 127.0.0.1:${ports.mqtt}, stream_replicas: 3, ack_wait: "60s", max_ack_pending: 1024 }`,
    'include ./accounts.conf',
    '',
  ].join('\n');
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** JetStream current (`/healthz`) and the MQTT listener up (it opens after JetStream is ready). */
async function healthy(ports: Ports): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
    return response.status === 200 && (await listening(ports.mqtt));
  } catch {
    return false;
  }
}

export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const root = mkdtempSync(join(tmpdir(), 'cxr-nats-'));
  const count = options.nodes ?? 3;
  const ports: Ports[] = [];
  for (let i = 0; i < count; i++) {
    ports.push({ client: await freePort(), cluster: await freePort(), mqtt: await freePort(), http: await freePort() });
  }
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.cluster}`);
  const children: (ChildProcess | undefined)[] = [];
  const wanted: boolean[] = [];
  const writeUsers = (users: string[]) => {
    const text = ['users: [', ...users.map((line) => `  ${line}`), ']', ''].join('\n');
    // include paths are relative to the including file: each node has its own copy next to accounts.conf.
    for (let i = 0; i < count; i++) writeFileSync(join(root, `n${i + 1}`, 'cxr-users.conf'), text);
  };

  const nodes = ports.map((p, i): NatsNode => {
    const name = `n${i + 1}`;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    copyFileSync(SHIPPED_ACCOUNTS, join(dir, 'accounts.conf'));
    writeFileSync(join(dir, 'node.conf'), nodeConfig(name, dir, p, routes));
    let output = '';
    const node: NatsNode = {
      name,
      natsUrl: `nats://127.0.0.1:${p.client}`,
      mqttUrl: `mqtt://127.0.0.1:${p.mqtt}`,
      running: () => children[i] !== undefined,
      log: () => output,
      async start() {
        if (children[i]) return;
        wanted[i] = true;
        const child = spawn(BIN, ['-c', join(dir, 'node.conf')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        children[i] = child;
        const keep = (chunk: Buffer) => {
          output = (output + chunk.toString()).slice(-20_000);
        };
        child.stdout?.on('data', keep);
        child.stderr?.on('data', keep);
        child.once('exit', () => {
          if (children[i] === child) children[i] = undefined;
        });
      },
      async kill() {
        wanted[i] = false;
        const child = children[i];
        if (!child) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await gone;
      },
    };
    return node;
  });

  const stopAll = () => {
    for (const child of children) child?.kill('SIGKILL');
  };
  process.once('exit', stopAll);

  const cluster: NatsCluster = {
    nodes,
    natsUrls: nodes.map((n) => n.natsUrl),
    mqttUrls: nodes.map((n) => n.mqttUrl),
    setUsers(users) {
      writeUsers(users);
      for (const child of children) child?.kill('SIGHUP');
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // A node started and not killed must be running (else its config or its store is broken).
        const dead = nodes.find((n, i) => wanted[i] && !n.running());
        if (dead) throw new Error(`NATS node ${dead.name} exited:\n${dead.log().slice(-2000)}`);
        const states = await Promise.all(nodes.map(async (n, i) => !n.running() || (await healthy(ports[i]!))));
        if (states.every(Boolean)) return;
        if (Date.now() > deadline) {
          const logs = nodes.map((n) => `--- ${n.name}\n${n.log().slice(-1500)}`).join('\n');
          throw new Error(`NATS cluster not healthy within ${timeoutMs} ms\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      process.off('exit', stopAll);
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  writeUsers(options.users);
  await Promise.all(nodes.map((n) => n.start()));
  await cluster.waitHealthy();
  return cluster;
}
