/**
 * Config file (JSON) + environment (`CXR_AGENT_*`, env wins) → one frozen, validated `AgentConfig`.
 * Bad config throws CXR_ERR_AGENT_CONFIG_INVALID listing every problem (STYLE.md rule 9).
 * Relative paths are resolved against the config file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { CxrError } from '../models/errors.ts';
import { DEFAULT_TRUSTED_KEYS_DIR } from '../models/package/trusted-keys.ts';
import { type AgentConfig, AgentConfigSchema, WatchFolderSchema } from './config-schema.ts';

export type { AgentConfig, WatchFolderConfig } from './config-schema.ts';

type Kind = 'string' | 'int' | 'number' | 'bool' | 'list';

/** Every environment variable the agent reads, and the config path it sets. */
export const ENV_SETTINGS: ReadonlyArray<readonly [string, string, Kind]> = [
  ['CXR_AGENT_SITE', 'site', 'string'],
  ['CXR_AGENT_ID', 'agentId', 'string'],
  ['CXR_AGENT_SITE_SECRET', 'siteSecret', 'string'],
  ['CXR_AGENT_DATA_DIR', 'dataDir', 'string'],
  ['CXR_AGENT_PROCESSED_DIR', 'processedDir', 'string'],
  ['CXR_AGENT_QUARANTINE_DIR', 'quarantineDir', 'string'],
  ['CXR_AGENT_WATCH', 'watch', 'list'],
  ['CXR_AGENT_MODEL_DIR', 'model.dir', 'string'],
  ['CXR_AGENT_TRUSTED_KEYS_DIR', 'model.trustedKeysDir', 'string'],
  ['CXR_AGENT_RUNTIME', 'model.runtime', 'string'],
  ['CXR_AGENT_OPENVINO_LIB', 'model.openvinoLib', 'string'],
  ['CXR_AGENT_MODEL_CACHE_DIR', 'model.cacheDir', 'string'],
  ['CXR_AGENT_MQTT_URL', 'mqtt.url', 'string'],
  ['CXR_AGENT_MQTT_USERNAME', 'mqtt.username', 'string'],
  ['CXR_AGENT_MQTT_PASSWORD', 'mqtt.password', 'string'],
  ['CXR_AGENT_MQTT_CA', 'mqtt.caFile', 'string'],
  ['CXR_AGENT_MQTT_CERT', 'mqtt.certFile', 'string'],
  ['CXR_AGENT_MQTT_KEY', 'mqtt.keyFile', 'string'],
  ['CXR_AGENT_MQTT_CLIENT_ID', 'mqtt.clientId', 'string'],
  ['CXR_AGENT_STATUS_INTERVAL_MS', 'mqtt.statusIntervalMs', 'int'],
  ['CXR_AGENT_ROLLOUT_ENABLED', 'rollout.enabled', 'bool'],
  ['CXR_AGENT_ROLLOUT_KEEP_VERSIONS', 'rollout.keepVersions', 'int'],
  ['CXR_AGENT_ROLLOUT_SHADOW_IMAGES', 'rollout.shadowImages', 'int'],
  ['CXR_AGENT_ROLLOUT_SHADOW_MIN_AGREEMENT', 'rollout.shadowMinAgreement', 'number'],
  ['CXR_AGENT_ROLLOUT_PROBATION_IMAGES', 'rollout.probationImages', 'int'],
  ['CXR_AGENT_ROLLOUT_MAX_ERROR_FRACTION', 'rollout.maxErrorFraction', 'number'],
  ['CXR_AGENT_ROLLOUT_DOWNLOAD_TIMEOUT_MS', 'rollout.downloadTimeoutMs', 'int'],
  ['CXR_AGENT_SEND_PIXELS', 'sendPixels', 'bool'],
  ['CXR_AGENT_PREVIEW_MAX_SIDE', 'previewMaxSide', 'int'],
  ['CXR_AGENT_PIXEL_POLICY', 'pixels.policy', 'string'],
  ['CXR_AGENT_HUB_URL', 'pixels.hubUrl', 'string'],
  ['CXR_AGENT_DISK_MIN_FREE_BYTES', 'disk.minFreeBytes', 'int'],
  ['CXR_AGENT_DISK_MIN_FREE_PERCENT', 'disk.minFreePercent', 'number'],
  ['CXR_AGENT_HTTP_PORT', 'http.port', 'int'],
  ['CXR_AGENT_HTTP_HOST', 'http.host', 'string'],
  ['CXR_AGENT_BATCH_SIZE', 'batchSize', 'int'],
  ['CXR_AGENT_CONCURRENCY', 'concurrency', 'int'],
  ['CXR_AGENT_WORKERS', 'workers', 'int'],
  ['CXR_AGENT_TEXT_DETECTORS', 'pixels.textDetectors', 'int'],
  ['CXR_AGENT_TEXT_DETECTION_THREADS', 'pixels.textDetectionThreads', 'int'],
  ['CXR_AGENT_MEMORY_BUDGET_BYTES', 'memoryBudgetBytes', 'int'],
  ['CXR_AGENT_LOG_LEVEL', 'logLevel', 'string'],
];

type Json = Record<string, unknown>;

function parseEnvValue(raw: string, kind: Kind): unknown {
  if (kind === 'int' || kind === 'number') return raw.trim() === '' ? raw : Number(raw);
  if (kind === 'bool') return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  if (kind === 'list') {
    return raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((path) => ({ path }));
  }
  return raw;
}

function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Pure: file JSON + env → a candidate object (not yet validated). */
export function mergeEnv(fileJson: Json, env: Record<string, string | undefined>): Json {
  const merged = structuredClone(fileJson);
  for (const [name, path, kind] of ENV_SETTINGS) {
    const raw = env[name];
    if (raw !== undefined) setPath(merged, path, parseEnvValue(raw, kind));
  }
  return merged;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The DICOM receiver's spool is watched like any folder; its files appear by atomic rename, complete, so they
 * need no stability wait and a truncated one is bad at once (docs/clinic.md).
 */
function spoolFolder(path: string): AgentConfig['watch'][number] {
  const folder = { path, include: ['*.dcm'], policy: 'move', stableMs: 0, incompleteGraceMs: 0 };
  return Value.Default(WatchFolderSchema, folder) as AgentConfig['watch'][number];
}

function resolvePaths(config: AgentConfig, baseDir: string): AgentConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const opt = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  const dataDir = abs(config.dataDir);
  const dicomScp = config.dicomScp && { ...config.dicomScp, spoolDir: abs(config.dicomScp.spoolDir) };
  return {
    ...config,
    dataDir,
    processedDir: opt(config.processedDir) ?? resolve(dataDir, 'processed'),
    quarantineDir: opt(config.quarantineDir) ?? resolve(dataDir, 'quarantine'),
    watch: [
      ...config.watch.map((w) => ({ ...w, path: abs(w.path) })),
      ...(dicomScp ? [spoolFolder(dicomScp.spoolDir)] : []),
    ],
    ...(dicomScp ? { dicomScp } : {}),
    ...(config.clinic ? { clinic: { ...config.clinic, resultsDir: abs(config.clinic.resultsDir) } } : {}),
    model: {
      ...config.model,
      dir: abs(config.model.dir),
      trustedKeysDir: opt(config.model.trustedKeysDir) ?? DEFAULT_TRUSTED_KEYS_DIR,
      openvinoLib: opt(config.model.openvinoLib),
      cacheDir: opt(config.model.cacheDir) ?? resolve(dataDir, 'model-cache'),
    },
    pixels: {
      ...config.pixels,
      policy: config.pixels.policy ?? (config.sendPixels ? 'preview' : 'none'),
      caFile: opt(config.pixels.caFile) ?? opt(config.mqtt.caFile),
    },
    mqtt: {
      ...config.mqtt,
      caFile: opt(config.mqtt.caFile),
      certFile: opt(config.mqtt.certFile),
      keyFile: opt(config.mqtt.keyFile),
    },
  };
}

/** Rules across settings, on resolved paths. */
function crossCheck(config: AgentConfig): string[] {
  const problems: string[] = [];
  if (config.watch.length === 0) problems.push('/watch: at least one folder to watch, or dicomScp');
  const spool = config.dicomScp?.spoolDir;
  const inside = (dir: string | undefined) =>
    dir !== undefined && spool !== undefined && (spool === dir || spool.startsWith(`${dir}/`));
  if (inside(config.dataDir) || inside(config.processedDir) || inside(config.quarantineDir)) {
    problems.push(
      '/dicomScp/spoolDir: must not be inside dataDir, processedDir or quarantineDir (they are never watched)',
    );
  }
  if (config.pixels.policy === 'diagnostic') {
    if (!config.pixels.hubUrl) problems.push('/pixels/hubUrl: required for the diagnostic pixel policy');
    if (!config.mqtt.username || !config.mqtt.password) {
      problems.push('/mqtt/password: the diagnostic pixel policy uploads with the MQTT username and password');
    }
  }
  return problems;
}

/** Pure: validates a candidate, applies defaults, resolves paths and freezes. Lists every problem. */
export function parseAgentConfig(candidate: unknown, baseDir: string): AgentConfig {
  const withDefaults = Value.Default(AgentConfigSchema, structuredClone(candidate));
  const byPath = new Map<string, string>();
  for (const e of Value.Errors(AgentConfigSchema, withDefaults)) {
    if (!byPath.has(e.path)) byPath.set(e.path, `${e.path || '/'}: ${e.message}`);
  }
  const problems = [...byPath.values()];
  if (problems.length > 0) {
    throw new CxrError('CXR_ERR_AGENT_CONFIG_INVALID', `invalid agent config:\n  ${problems.join('\n  ')}`);
  }
  const config = resolvePaths(withDefaults as AgentConfig, baseDir);
  const crossProblems = crossCheck(config);
  if (crossProblems.length > 0) {
    throw new CxrError('CXR_ERR_AGENT_CONFIG_INVALID', `invalid agent config:\n  ${crossProblems.join('\n  ')}`);
  }
  // Drop undefined optional keys so the frozen object prints cleanly.
  return deepFreeze(JSON.parse(JSON.stringify(config)) as AgentConfig);
}

/** Reads the config file (optional: env alone may be enough) and the environment. */
export function loadAgentConfig(
  file: string | undefined,
  env: Record<string, string | undefined> = process.env,
): AgentConfig {
  let fileJson: Json = {};
  if (file !== undefined) {
    try {
      fileJson = JSON.parse(readFileSync(file, 'utf8')) as Json;
    } catch (cause) {
      throw new CxrError(
        'CXR_ERR_AGENT_CONFIG_INVALID',
        `cannot read agent config ${file}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }
  return parseAgentConfig(mergeEnv(fileJson, env), file === undefined ? process.cwd() : dirname(resolve(file)));
}
