/**
 * Shared set-up for the agent's integration tests: a temp root with a signed tiny model package, its trusted key,
 * an incoming folder and a config; the repo's sample images; byte-level helpers (slow writers, perturbed
 * copies with distinct content) and the PHI values found in the sample DICOMs (read with dicom-parser).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dicomParser from 'dicom-parser';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import type { InputSpec } from '../../models/preprocess/input-spec.ts';

export const SAMPLES = fileURLToPath(new URL('../../models/samples/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A model input for pixel-pool tests that need one but no model: 64² grey, letterboxed. */
export const POOL_INPUT_SPEC: InputSpec = {
  size: 64,
  channels: 1,
  mean: 0.5,
  std: 0.25,
  resize: 'letterbox',
  padValue: 0,
  layout: 'NCHW',
};

/** The smallest file-form agent config that parses (nothing on disk is touched): for tests of config and plans. */
export function minimalAgentConfig(name: string) {
  return {
    site: 'clinic-1',
    agentId: 'room-2',
    siteSecret: 'test-site-secret-0123456789',
    dataDir: `/tmp/cxr-agent-${name}`,
    watch: [{ path: `/tmp/cxr-agent-${name}-in` }],
    model: { dir: '/tmp/model' },
    mqtt: { url: 'mqtt://127.0.0.1:1883' },
  };
}

export interface AgentFixture {
  root: string;
  inDir: string;
  dataDir: string;
  modelDir: string;
  keysDir: string;
  /** A config object (file form) for this fixture; `overrides` are merged at the top level. */
  config(mqttUrl: string, overrides?: Record<string, unknown>): Record<string, unknown>;
  writeConfig(config: Record<string, unknown>): string;
}

const BASELINE = join(REPO_ROOT, 'models/baseline');
const REPO_KEYS = join(REPO_ROOT, 'models/trusted-keys');

/**
 * `model: 'baseline'` (default when the repo has it) uses the bundled trained package and the repo's trusted
 * keys; `'tiny'` writes the small random test package with a fresh key.
 */
export async function agentFixture(options: { model?: 'baseline' | 'tiny' } = {}): Promise<AgentFixture> {
  const root = mkdtempSync(join(tmpdir(), 'cxr-agent-it-'));
  const inDir = join(root, 'incoming');
  mkdirSync(inDir);
  const useBaseline = (options.model ?? 'baseline') === 'baseline' && existsSync(join(BASELINE, 'manifest.json'));
  let model = { dir: BASELINE };
  let keysDir = REPO_KEYS;
  if (!useBaseline) {
    keysDir = join(root, 'keys');
    mkdirSync(keysDir);
    const tiny = await writeTinyModelPackage(join(root, 'model'));
    writeFileSync(join(keysDir, 'publisher.pub.pem'), tiny.publicKeyPem);
    model = tiny;
  }
  const dataDir = join(root, 'data');
  return {
    root,
    inDir,
    dataDir,
    modelDir: model.dir,
    keysDir,
    config: (mqttUrl, overrides = {}) => ({
      site: 'clinic-1',
      agentId: 'room-2',
      siteSecret: 'test-site-secret-0123456789',
      dataDir,
      watch: [{ path: inDir, stableMs: 400, rescanIntervalMs: 2000, incompleteGraceMs: 4000 }],
      model: { dir: model.dir, trustedKeysDir: keysDir, runtime: 'auto' },
      mqtt: { url: mqttUrl, statusIntervalMs: 1000, retryInitialMs: 1000, retryMaxMs: 5000 },
      http: { port: 0 },
      disk: { minFreeBytes: 0, minFreePercent: 0 },
      batchSize: 4,
      concurrency: 2,
      logLevel: 'warn',
      ...overrides,
    }),
    writeConfig(config) {
      const path = join(root, 'agent.json');
      writeFileSync(path, JSON.stringify(config, null, 2));
      return path;
    },
  };
}

export function sample(rel: string): Buffer {
  return readFileSync(join(SAMPLES, rel));
}

/** Every sample file under a folder of models/samples (relative paths). */
export function samplesUnder(rel: string, ext: RegExp): string[] {
  return readdirSync(join(SAMPLES, rel), { recursive: true, encoding: 'utf8' })
    .filter((name) => ext.test(name))
    .map((name) => join(rel, name))
    .sort();
}

/** A copy of an uncompressed DICOM with distinct content: the last pixel bytes encode `n`. */
export function perturbed(bytes: Buffer, n: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32BE(n >>> 0, copy.length - 4);
  return copy;
}

/** Writes in chunks with pauses, like a slow modality or network copy; `longPauseMs` after the first chunk. */
export async function writeSlowly(path: string, bytes: Buffer, chunks: number, pauseMs: number, longPauseMs = 0) {
  const handle = await open(path, 'w');
  const size = Math.ceil(bytes.length / chunks);
  try {
    for (let i = 0; i < chunks; i++) {
      await handle.write(bytes.subarray(i * size, (i + 1) * size));
      await handle.sync();
      await new Promise((r) => setTimeout(r, i === 0 ? longPauseMs || pauseMs : pauseMs));
    }
  } finally {
    await handle.close();
  }
}

const PHI_TAGS = [
  'x00100010', // PatientName
  'x00100020', // PatientID
  'x00100030', // PatientBirthDate
  'x00080020', // StudyDate
  'x00080021', // SeriesDate
  'x00080022', // AcquisitionDate
  'x00080023', // ContentDate
  'x00080030', // StudyTime
  'x00080050', // AccessionNumber
  'x00080080', // InstitutionName
  'x00080090', // ReferringPhysicianName
  'x00200010', // StudyID
  'x0020000d', // StudyInstanceUID
  'x0020000e', // SeriesInstanceUID
  'x00080018', // SOPInstanceUID
  'x00020003', // MediaStorageSOPInstanceUID
];

/** PHI-bearing tag values: 4+ characters, and 8+ unless they hold a letter (short numbers could match floats). */
export function phiValues(dicomBytes: readonly Buffer[]): string[] {
  const values = new Set<string>();
  for (const bytes of dicomBytes) {
    let dataSet: dicomParser.DataSet;
    try {
      dataSet = dicomParser.parseDicom(new Uint8Array(bytes), { untilTag: 'x7fe00010' });
    } catch {
      // No Part-10 preamble (the fo-dicom sample): implicit VR little endian from byte 0.
      dataSet = dicomParser.parseDicom(new Uint8Array(bytes), {
        untilTag: 'x7fe00010',
        TransferSyntaxUID: '1.2.840.10008.1.2',
      });
    }
    for (const tag of PHI_TAGS) {
      const value = dataSet.string(tag)?.trim();
      if (value && value.length >= 4 && (value.length >= 8 || /[A-Za-z]/.test(value))) values.add(value);
    }
  }
  return [...values];
}
