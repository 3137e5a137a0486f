/**
 * CPU seconds spent by the processes a benchmark starts (Linux /proc), so a figure per message survives a
 * machine shared with other jobs better than a rate does. In: a pid, or what identifies the servers (a port
 * on the command line or in the config file the command line names). Out: user + system seconds, including
 * those of children already reaped (a PostgreSQL server's finished backends) plus live children. A process
 * that is gone counts 0.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime, and cutime + cstime (reaped children), in seconds. */
  own: number;
  reaped: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i - 3]);
    return { pid, ppid: n(4), own: (n(14) + n(15)) / TICKS, reaped: (n(16) + n(17)) / TICKS };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

const allPids = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** One process's CPU seconds (without its children). */
export const processSeconds = (pid: number): number => stat(pid)?.own ?? 0;

/** The nats-server processes whose config file (`-c <file>`) holds one of these MQTT ports. */
export function natsServerPids(mqttUrls: readonly string[]): number[] {
  const ports = mqttUrls.map((url) => new URL(url).port);
  return allPids().filter((pid) => {
    const match = /nats-server.* -c (\S+)/.exec(commandLine(pid));
    if (!match) return false;
    try {
      const config = readFileSync(match[1]!, 'utf8');
      return ports.some((port) => config.includes(`:${port}`));
    } catch {
      return false;
    }
  });
}

/** A PostgreSQL server on this port: its postmaster with its reaped and live children (backends, writers). */
export function postgresSeconds(port: number): number {
  const stats = allPids()
    .map(stat)
    .filter((s): s is Stat => s !== undefined);
  const master = stats.find((s) => new RegExp(`postgres -D \\S+ -p ${port}\\b`).test(commandLine(s.pid)));
  if (!master) return 0;
  return master.own + master.reaped + stats.filter((s) => s.ppid === master.pid).reduce((n, s) => n + s.own, 0);
}
