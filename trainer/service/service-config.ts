/**
 * The trainer service's config (`cxr trainer serve --config <file>`, docs/trainer.md#trainer-service): a JSON file
 * plus `CXR_TRAINER_*` environment overrides, checked against a schema and frozen. Relative paths resolve against the
 * file's folder. Bad config throws CXR_ERR_TRAINER_CONFIG listing every problem; the service does not start.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CxrError } from '../../models/errors.ts';

export const TrainerServiceConfigSchema = Type.Object(
  {
    hub: Type.Object({
      url: Type.String({ pattern: '^https?://' }),
      /** This trainer's login on the hub (config `trainers[]` there). */
      name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
      /** Better from CXR_TRAINER_HUB_PASSWORD. */
      password: Type.String({ minLength: 1 }),
    }),
    /** Checkpoints per job, the pulled-pixels cache, prepared caches, the runs of models this trainer made. */
    workDir: Type.String(),
    /** Ed25519 private key (PEM) that signs candidates and site calibrations; its public key must be trusted by the fleet. */
    keyFile: Type.String(),
    /** Public keys the service trusts for packages it downloads (besides models/trusted-keys/). */
    trustedKeys: Type.Array(Type.String(), { default: [] }),
    /** Training runs on this host, by model version: what a fine-tune starts from (`cxr train --out` folders). */
    runs: Type.Record(Type.String(), Type.String(), { default: {} }),
    /** Base data sets on this host (labels CSVs / class folders), trained on beside the hub's reads. */
    baseData: Type.Array(Type.String(), { default: [] }),
    backend: Type.Union(
      ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].map((b) => Type.Literal(b)),
      { default: 'auto' },
    ),
    pollIntervalS: Type.Number({ minimum: 0.05, maximum: 3600, default: 10 }),
    heartbeatIntervalS: Type.Number({ minimum: 0.05, maximum: 3600, default: 15 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type TrainerServiceConfig = Static<typeof TrainerServiceConfigSchema>;
const checker = TypeCompiler.Compile(TrainerServiceConfigSchema);

function fail(problems: string[]): never {
  throw new CxrError('CXR_ERR_TRAINER_CONFIG', `trainer config invalid:\n  ${problems.join('\n  ')}`);
}

/** Parses the config object (file content) with env overrides; relative paths resolve against `baseDir`. */
export function parseTrainerConfig(raw: unknown, env: NodeJS.ProcessEnv, baseDir: string): TrainerServiceConfig {
  const value = { ...(raw as Record<string, unknown>) };
  const hub = { ...(value.hub as Record<string, unknown>) };
  if (env.CXR_TRAINER_HUB_URL) hub.url = env.CXR_TRAINER_HUB_URL;
  if (env.CXR_TRAINER_HUB_PASSWORD) hub.password = env.CXR_TRAINER_HUB_PASSWORD;
  value.hub = hub;
  if (env.CXR_TRAINER_BACKEND) value.backend = env.CXR_TRAINER_BACKEND;
  const withDefaults = structuredClone(value);
  for (const [key, fallback] of Object.entries({
    trustedKeys: [],
    runs: {},
    baseData: [],
    backend: 'auto',
    pollIntervalS: 10,
    heartbeatIntervalS: 15,
    logLevel: 'info',
  })) {
    if (withDefaults[key] === undefined) withDefaults[key] = fallback;
  }
  if (!checker.Check(withDefaults)) fail([...checker.Errors(withDefaults)].map((e) => `${e.path || '/'} ${e.message}`));
  const config = withDefaults as TrainerServiceConfig;
  const at = (path: string) => resolve(baseDir, path);
  return Object.freeze({
    ...config,
    hub: Object.freeze({ ...config.hub, url: config.hub.url.replace(/\/+$/, '') }),
    workDir: at(config.workDir),
    keyFile: at(config.keyFile),
    trustedKeys: Object.freeze(config.trustedKeys.map(at)) as string[],
    runs: Object.freeze(Object.fromEntries(Object.entries(config.runs).map(([v, p]) => [v, at(p)]))),
    baseData: Object.freeze(config.baseData.map(at)) as string[],
  });
}

export function loadTrainerConfig(file: string, env: NodeJS.ProcessEnv = process.env): TrainerServiceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CxrError('CXR_ERR_TRAINER_CONFIG', `cannot read trainer config ${file}: ${(cause as Error).message}`);
  }
  return parseTrainerConfig(raw, env, dirname(resolve(file)));
}
