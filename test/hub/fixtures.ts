/**
 * Test data for hub tests: valid protocol ResultMessages (with a real JPEG preview made by sharp, and a triage
 * consistent with their flags: each class is a finding called at 0.5, urgent at 0.9), a hub config in a temp dir,
 * and an MQTT agent login.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { hashPassword } from '../../hub/auth/password.ts';
import { type HubConfig, parseHubConfig } from '../../hub/config.ts';
import type { ResultMessage, StatusMessage, TriageMessage } from '../../protocol/messages.ts';

export const CLASSES = ['Atelectasis', 'Effusion', 'Pneumonia'];
export const PASSWORDS = { radiologist: 'read-all-day', admin: 'keeps-the-keys', agent: 'agent-secret' };

const hashes = {
  radiologist: hashPassword(PASSWORDS.radiologist),
  admin: hashPassword(PASSWORDS.admin),
  agent: hashPassword(PASSWORDS.agent),
};

export function tempDir(prefix = 'cxr-hub-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function hubConfig(
  overrides: Record<string, unknown> = {},
  agents = [{ site: 'clinic-a', agent: 'xr-1' }],
): HubConfig {
  return parseHubConfig({
    dataDir: tempDir(),
    http: { port: 0 },
    mqtt: { port: 0, clientId: `cxr-hub-${process.pid}-${Math.random().toString(16).slice(2, 8)}` },
    logLevel: 'silent',
    users: [
      { username: 'rad', role: 'radiologist', passwordHash: hashes.radiologist },
      { username: 'boss', role: 'admin', passwordHash: hashes.admin },
    ],
    agents: agents.map((a) => ({ ...a, passwordHash: hashes.agent })),
    ...overrides,
  });
}

let images: { preview: string } | undefined;

async function testImages() {
  if (!images) {
    const preview = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    images = { preview: preview.toString('base64') };
  }
  return images;
}

/** The triage an agent would send for these flags: every class a finding, called at 0.5, urgent at 0.9. */
export function triageFor(
  classes: readonly string[],
  probabilities: Record<string, number>,
  flags: readonly string[],
): TriageMessage {
  const p = (c: string) => probabilities[c] ?? 0;
  const findings = [...flags].sort((a, b) => p(b) - p(a));
  const urgentFindings = findings.filter((c) => p(c) >= 0.9);
  return {
    tier: urgentFindings.length > 0 ? 'urgent' : findings.length > 0 ? 'abnormal' : 'likely-normal',
    score: Math.max(0, ...classes.map(p)),
    findings,
    urgentFindings,
    findingClasses: [...classes],
    operatingPoints: Object.fromEntries(classes.map((c) => [c, { threshold: 0.5, urgentThreshold: 0.9 }])),
  };
}

let counter = 0;

export async function resultMessage(overrides: Partial<ResultMessage> = {}): Promise<ResultMessage> {
  const n = counter++;
  const { preview } = await testImages();
  const site = overrides.site ?? 'clinic-a';
  const agent = overrides.agent ?? 'xr-1';
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  const message: ResultMessage = {
    v: 1,
    resultId: hash(`${site}|${process.pid}|${Date.now()}|${n}`),
    site,
    agent,
    keys: { image: hash(`image${n}`).slice(0, 32), study: hash(`study${n}`).slice(0, 32) },
    receivedAt: new Date(Date.now() - 2000).toISOString(),
    scoredAt: new Date(Date.now() - 1000 + n).toISOString(),
    model: { name: 'cxr-densenet', version: '1.0.0', sha256: hash('model') },
    runtime: 'onnxruntime',
    classes: CLASSES,
    probabilities: { Atelectasis: 0.12, Effusion: 0.81, Pneumonia: 0.34 },
    flags: ['Effusion'],
    timingsMs: { read: 12, preprocess: 8, infer: 30 },
    image: { format: 'png', rows: 1024, cols: 1024, modality: 'DX', viewPosition: 'PA' },
    preview: { mime: 'image/jpeg', width: 64, height: 64, base64: preview },
    ...overrides,
  };
  return { ...message, triage: overrides.triage ?? triageFor(message.classes, message.probabilities, message.flags) };
}

export function statusMessage(site: string, agent: string, overrides: Partial<StatusMessage> = {}): StatusMessage {
  return {
    v: 1,
    site,
    agent,
    online: true,
    at: new Date().toISOString(),
    agentVersion: '0.1.0',
    backlog: 2,
    outbox: 1,
    model: { version: '1.0.0', sha256: createHash('sha256').update('model').digest('hex') },
    runtime: 'openvino',
    ...overrides,
  };
}
