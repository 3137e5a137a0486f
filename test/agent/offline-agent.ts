/**
 * An agent with the bundled model and no broker (results wait in the outbox), on a fresh fixture folder, and what
 * its quarantine holds: for end-to-end tests of what the agent scores and what it refuses.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { type AgentFixture, agentFixture } from './fixture.ts';

export interface OfflineAgent {
  fx: AgentFixture;
  agent: RunningAgent;
}

export async function startOfflineAgent(): Promise<OfflineAgent> {
  const fx = await agentFixture();
  const config = parseAgentConfig({ ...fx.config('mqtt://127.0.0.1:1'), sendPixels: false }, fx.root);
  return { fx, agent: await startAgent(config, { logger: pino({ level: 'silent' }) }) };
}

/** The quarantined files by name, with the code and message of their `.error.json`. */
export interface QuarantineRecord {
  code: string;
  message: string;
}

export function quarantined(fx: AgentFixture): Record<string, QuarantineRecord> {
  const dir = join(fx.dataDir, 'quarantine');
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((n) => n.endsWith('.error.json'))
      .map((n) => [n.replace('.error.json', ''), JSON.parse(readFileSync(join(dir, n), 'utf8')) as QuarantineRecord]),
  );
}

/**
 * Waits until the agent has quarantined and scored exactly these many files, and every quarantined file's
 * `.error.json` is written (the agent records a verdict before it moves the file: fails with what it has).
 */
export async function untilHandled(
  { fx, agent }: OfflineAgent,
  want: { quarantined: number; scored: number },
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = agent.store.fileCounts();
    const moved = Object.keys(quarantined(fx)).length;
    if (counts.quarantined === want.quarantined && counts.scored === want.scored && moved === want.quarantined) return;
    assert.ok(
      Date.now() < deadline,
      `timed out waiting for ${JSON.stringify(want)}: ${JSON.stringify(counts)}, ${JSON.stringify(quarantined(fx))}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
