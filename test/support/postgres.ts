/**
 * Starts a REAL, throwaway PostgreSQL cluster for tests: `initdb` (trust auth, C locale, UTF-8) into a
 * temp dir, then `pg_ctl start` on a free loopback port with its socket in that dir. Binaries come from
 * `CXR_PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin` (Debian's postgresql-15, installed by
 * scripts/setup.sh), else PATH. PostgreSQL refuses to run as root: as root (CI) the cluster is made and
 * run as the `postgres` system user that Debian's package creates (spawn's uid/gid, a dir it owns).
 * Durability is off (fsync=off): these clusters die with the test; `{ durable: true }` keeps PostgreSQL's
 * defaults (fsync, synchronous commit) for benchmarks whose figures must include the commit's flush.
 *
 *   const cluster = await startPostgres();
 *   const url = await cluster.createDatabase();   // a fresh empty database, postgres://…
 *   await cluster.stop();                          // also done at process exit
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './mosquitto.ts';

const run = promisify(execFile);

export interface PostgresCluster {
  port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function binDir(): string {
  if (process.env.CXR_PG_BIN) return process.env.CXR_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return join(root, versions[0]!, 'bin');
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('PostgreSQL not found: run scripts/setup.sh (apt postgresql-15) or set CXR_PG_BIN');
  return found.replace(/\/initdb$/, '');
}

/** uid/gid to run the server as: the `postgres` system user when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the postgres system user (Debian package postgresql-15)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(settings: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'cxr-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const options = { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, ...(user ?? {}) };
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--locale=C', '-E', 'UTF8', '--no-sync'],
    options,
  );
  const port = await freePort();
  const fast = settings.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast}`;
  await run(
    join(bin, 'pg_ctl'),
    ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', serverOptions, 'start'],
    options,
  );

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], options);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopNow);

  let count = 0;
  const base = `postgres://postgres@127.0.0.1:${port}`;
  return {
    port,
    async createDatabase() {
      const name = `cxr_test_${++count}`;
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    async stop() {
      process.off('exit', stopNow);
      stopNow();
    },
  };
}
