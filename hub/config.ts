/**
 * Hub configuration: a JSON file plus `CXR_HUB_*` environment variables, checked against one schema
 * and frozen. Bad config stops the hub before it starts, listing every problem (CXR_ERR_HUB_CONFIG).
 * The database is `database.url` (`sqlite:<file>` or `postgres://…`; default: SQLite `hub.db` in dataDir).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CxrError } from '../models/errors.ts';
import { DEFAULT_TRUSTED_KEYS_DIR } from '../models/package/trusted-keys.ts';
import { isValidId } from '../protocol/topics.ts';
import { isPasswordHash } from './auth/password.ts';
import { DEFAULT_WAVES, RolloutWaveSchema } from './rollouts/wave.ts';
import { JobParams } from './training/job-views.ts';

const PasswordHash = Type.String({ description: 'scrypt$N$r$p$salt$hash (see `cxr hub hash-password`)' });

export const HubConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: 'image blobs, model packages and the default SQLite database' }),
    database: Type.Object(
      {
        /** `sqlite:<file>` (relative to the config file) or `postgres://user:password@host:port/db`. */
        url: Type.Optional(Type.String({ pattern: '^(sqlite:.+|postgres(ql)?://.+)$' })),
      },
      { default: {} },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        tls: Type.Optional(Type.Object({ certFile: Type.String(), keyFile: Type.String() })),
        sessionTtlHours: Type.Number({ minimum: 0.01, maximum: 168, default: 12 }),
        /** The base URL agents download packages from (capability URLs in `model/desired`); default: the listen URL. */
        publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+(/[^?#]*)?$' })),
        /**
         * Behind a load balancer: trust its X-Forwarded-For for the client address (audit log, login throttling).
         * `true` (any hop) or the balancers' addresses/CIDRs. Default false: the connection's peer address.
         */
        trustProxy: Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1 }))], { default: false }),
      },
      { default: {} },
    ),
    mqtt: Type.Object(
      {
        /** `nats`: a NATS cluster (docs/scale-out.md): results from its JetStream, the rest over MQTT. */
        broker: Type.Union([Type.Literal('embedded'), Type.Literal('external'), Type.Literal('nats')], {
          default: 'embedded',
        }),
        /** Embedded broker listen address. */
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
        /** Embedded broker over TLS (mqtts://): agents outside the hub's host should connect this way. */
        /** With `caFile`, agents log in with a client certificate (CN `<site>/<agent>`), `crlFile` revokes (docs/pki.md). */
        tls: Type.Optional(
          Type.Object({
            certFile: Type.String(),
            keyFile: Type.String(),
            caFile: Type.Optional(Type.String()),
            crlFile: Type.Optional(Type.String()),
          }),
        ),
        /** External broker URL (mqtt:// or mqtts://) and the hub's privileged login. */
        url: Type.Optional(Type.String()),
        /** More nodes of the same broker cluster, tried in turn after `url` when the connection drops. */
        failoverUrls: Type.Array(Type.String({ pattern: '^mqtts?://' }), { default: [] }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        caFile: Type.Optional(Type.String()),
        clientId: Type.String({ default: 'cxr-hub' }),
      },
      { default: {} },
    ),
    /** With `mqtt.broker: "nats"`: the cluster's client URLs and the shared JetStream consumer of results. */
    nats: Type.Object(
      {
        servers: Type.Array(Type.String({ pattern: '^(nats|tls)://' }), { default: [] }),
        /** Durable consumer on `$MQTT_msgs` that every hub replica reads results from (never delete it). */
        consumer: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'cxr-hub-results' }),
        /** A result not acked (committed) this long after delivery goes to a replica again. */
        ackWaitS: Type.Number({ minimum: 1, maximum: 3600, default: 30 }),
        /** Results delivered and not yet committed, all replicas together. */
        maxAckPending: Type.Integer({ minimum: 1, maximum: 100_000, default: 2000 }),
        /** CA for `tls://` servers; default: `mqtt.caFile`. */
        caFile: Type.Optional(Type.String()),
      },
      { default: {} },
    ),
    /** Background jobs (rollout runner, report re-sends, image retention) run in one replica under this lease. */
    jobs: Type.Object({ leaseTtlS: Type.Number({ minimum: 1, maximum: 600, default: 15 }) }, { default: {} }),
    agents: Type.Array(Type.Object({ site: Type.String(), agent: Type.String(), passwordHash: PasswordHash }), {
      default: [],
    }),
    /** Who may publish model packages (`POST /api/models` with `authorization: Bearer <token>`). */
    publishers: Type.Array(
      Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }), tokenHash: PasswordHash }),
      { default: [] },
    ),
    /** Trainer services (docs/hub.md#training): each logs in with its name and password (role `trainer`). */
    trainers: Type.Array(
      Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }), passwordHash: PasswordHash }),
      { default: [] },
    ),
    /** The training queue: a running job whose trainer is silent this long goes back to the queue. */
    training: Type.Object(
      {
        heartbeatTimeoutS: Type.Number({ minimum: 1, maximum: 86_400, default: 300 }),
        sessionTtlHours: Type.Number({ minimum: 0.01, maximum: 720, default: 24 }),
        /**
         * Recurring jobs (docs/hub.md#scheduled-jobs): each creates its job every `everyHours` (per site with
         * `sites`: a list, or "all" for every site with results), from the replica that runs the background jobs.
         */
        schedules: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
              kind: Type.Union([Type.Literal('search'), Type.Literal('fine-tune'), Type.Literal('recalibrate')]),
              sites: Type.Optional(
                Type.Union([Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })), Type.Literal('all')]),
              ),
              everyHours: Type.Number({ minimum: 0.01, maximum: 24 * 366 }),
              params: Type.Optional(JobParams),
            },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
        /** How often the schedules are looked at. */
        scheduleCheckIntervalS: Type.Number({ minimum: 0.05, maximum: 86_400, default: 300 }),
      },
      { default: {} },
    ),
    /** Drift per site and ISO week (docs/hub.md#drift): when a site counts as drifting, and how often it is judged. */
    drift: Type.Object(
      {
        evaluateIntervalS: Type.Number({ minimum: 0.05, maximum: 86_400, default: 3600 }),
        /** Weeks shown by GET /api/drift. */
        weeks: Type.Integer({ minimum: 1, maximum: 104, default: 8 }),
        /** AI-vs-radiologist agreement is judged from this many signed reads in a week, and drifts below minAgreement. */
        minReads: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),
        minAgreement: Type.Number({ minimum: 0, maximum: 1, default: 0.8 }),
        /** Score distribution and refusal rate are judged from this many films in a week. */
        minResults: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50 }),
        /** Population stability index of the week's scores against the model's reference above this: drift. */
        maxPsi: Type.Number({ minimum: 0, maximum: 100, default: 0.25 }),
        /** Share of a week's inputs the agents refused (quarantined) above this: drift. */
        maxRefusedRate: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
      },
      { default: {} },
    ),
    models: Type.Object(
      {
        /** Every `*.pub.pem` here may sign packages the registry accepts (read at each publish). */
        trustedKeysDir: Type.String({ default: DEFAULT_TRUSTED_KEYS_DIR }),
        maxPackageBytes: Type.Integer({ minimum: 1024, maximum: 2 ** 31, default: 256 * 1024 * 1024 }),
      },
      { default: {} },
    ),
    /** Defaults for `POST /api/rollouts` and how often running rollouts are re-evaluated. */
    rollout: Type.Object(
      {
        waves: Type.Array(RolloutWaveSchema, { minItems: 1, maxItems: 20, default: DEFAULT_WAVES }),
        waitS: Type.Number({ minimum: 0, maximum: 7 * 86_400, default: 60 }),
        abortFailureFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
        evaluateIntervalS: Type.Number({ minimum: 0.05, maximum: 3600, default: 5 }),
        /** Live shadows: read films before the hub may stop one on its own (docs/rollout.md "Live shadow"). */
        shadowMinReads: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50 }),
      },
      { default: {} },
    ),
    /** Reads and claims (docs/hub.md#claims): how long a claim lasts without its reader's activity. */
    reads: Type.Object(
      { claimTimeoutS: Type.Integer({ minimum: 30, maximum: 86_400, default: 600 }) },
      { default: {} },
    ),
    /** Site settings of the dashboard's viewer: the AI evidence map is off until a reader turns it on. */
    viewer: Type.Object(
      { activationDefault: Type.Union([Type.Literal('off'), Type.Literal('on')], { default: 'off' }) },
      { default: {} },
    ),
    /** Diagnostic images (docs/viewing.md): uploads from agents, retention and its background job. */
    images: Type.Object(
      {
        /** Largest image an agent may upload. */
        maxImageBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 ** 2 }),
        /** Largest chunk per upload request. */
        maxChunkBytes: Type.Integer({ minimum: 65_536, maximum: 256 * 1024 ** 2, default: 64 * 1024 ** 2 }),
        /** Images older than this are deleted (0 = no age limit). */
        retentionDays: Type.Number({ minimum: 0, default: 365 }),
        /** When all images together pass this, the oldest go first (0 = no size limit). */
        maxTotalBytes: Type.Integer({ minimum: 0, default: 0 }),
        /** How often the retention job runs (one hub replica at a time, under a database lease). */
        retentionIntervalS: Type.Number({ minimum: 1, maximum: 86_400, default: 3600 }),
        /** Unfinished uploads untouched this long are deleted. */
        partialTtlHours: Type.Number({ minimum: 0.01, default: 72 }),
      },
      { default: {} },
    ),
    users: Type.Array(
      Type.Object({
        username: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
        role: Type.Union([Type.Literal('radiologist'), Type.Literal('admin')]),
        passwordHash: PasswordHash,
      }),
      { default: [] },
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;

/** Environment overrides: variable → [section, key, type]. */
type Section = 'http' | 'mqtt' | 'models' | 'database';
const ENV: Record<string, [Section | null, string, 'string' | 'int']> = {
  CXR_HUB_DATA_DIR: [null, 'dataDir', 'string'],
  CXR_HUB_LOG_LEVEL: [null, 'logLevel', 'string'],
  CXR_HUB_DATABASE_URL: ['database', 'url', 'string'],
  CXR_HUB_HTTP_HOST: ['http', 'host', 'string'],
  CXR_HUB_HTTP_PORT: ['http', 'port', 'int'],
  CXR_HUB_HTTP_PUBLIC_URL: ['http', 'publicUrl', 'string'],
  CXR_HUB_MODELS_TRUSTED_KEYS_DIR: ['models', 'trustedKeysDir', 'string'],
  CXR_HUB_MQTT_BROKER: ['mqtt', 'broker', 'string'],
  CXR_HUB_MQTT_HOST: ['mqtt', 'host', 'string'],
  CXR_HUB_MQTT_PORT: ['mqtt', 'port', 'int'],
  CXR_HUB_MQTT_URL: ['mqtt', 'url', 'string'],
  CXR_HUB_MQTT_USERNAME: ['mqtt', 'username', 'string'],
  CXR_HUB_MQTT_PASSWORD: ['mqtt', 'password', 'string'],
};
export const HUB_ENV_NAMES = Object.keys(ENV);

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...raw,
    http: { ...(raw.http as object) },
    mqtt: { ...(raw.mqtt as object) },
    models: { ...(raw.models as object) },
    database: { ...(raw.database as object) },
  };
  for (const [name, [section, key, type]] of Object.entries(ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = type === 'int' && /^\d+$/.test(text) ? Number(text) : text;
    if (section === null) out[key] = value;
    else (out[section] as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** Checks beyond the schema; written to cope with a value that failed the schema too. */
function semanticProblems(config: HubConfig): string[] {
  const problems: string[] = [];
  const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);
  if (config.mqtt?.broker === 'external' || config.mqtt?.broker === 'nats') {
    const broker = config.mqtt.broker;
    if (!config.mqtt.url) problems.push(`/mqtt/url is required when /mqtt/broker is "${broker}"`);
    else if (!/^mqtts?:\/\//.test(config.mqtt.url)) problems.push('/mqtt/url must start with mqtt:// or mqtts://');
  }
  if (config.mqtt?.broker === 'nats' && list(config.nats?.servers).length === 0) {
    problems.push('/nats/servers: list the NATS cluster\'s client URLs when /mqtt/broker is "nats"');
  }
  list(config.agents).forEach((a, i) => {
    if (typeof a?.site !== 'string' || typeof a.agent !== 'string' || typeof a.passwordHash !== 'string') return;
    if (!isValidId(a.site)) problems.push(`/agents/${i}/site must match [A-Za-z0-9_-]{1,64}`);
    if (!isValidId(a.agent)) problems.push(`/agents/${i}/agent must match [A-Za-z0-9_-]{1,64}`);
    if (!isPasswordHash(a.passwordHash)) problems.push(`/agents/${i}/passwordHash is not a scrypt hash`);
  });
  list(config.publishers).forEach((p, i) => {
    if (typeof p?.tokenHash === 'string' && !isPasswordHash(p.tokenHash))
      problems.push(`/publishers/${i}/tokenHash is not a scrypt hash`);
  });
  const names = list(config.publishers).map((p) => p?.name);
  if (new Set(names).size !== names.length) problems.push('/publishers: names must be unique');
  list(config.trainers).forEach((t, i) => {
    if (typeof t?.passwordHash === 'string' && !isPasswordHash(t.passwordHash))
      problems.push(`/trainers/${i}/passwordHash is not a scrypt hash`);
  });
  list(config.users).forEach((u, i) => {
    if (typeof u?.passwordHash === 'string' && !isPasswordHash(u.passwordHash))
      problems.push(`/users/${i}/passwordHash is not a scrypt hash`);
  });
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parses a config object (file content) with env overrides; relative paths resolve against `baseDir`. */
export function parseHubConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, baseDir = process.cwd()): HubConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CxrError('CXR_ERR_HUB_CONFIG', 'hub config must be a JSON object');
  }
  const merged = Value.Default(HubConfigSchema, applyEnv(raw as Record<string, unknown>, env));
  const config = merged as HubConfig;
  const problems = [
    ...[...Value.Errors(HubConfigSchema, merged)].map((e) => `${e.path || '/'}: ${e.message}`),
    ...semanticProblems(config),
  ];
  if (problems.length > 0) throw new CxrError('CXR_ERR_HUB_CONFIG', `invalid hub config:\n  ${problems.join('\n  ')}`);
  const resolvePath = (p: string) => resolve(baseDir, p);
  const sqliteFile = config.database.url?.startsWith('sqlite:') ? config.database.url.slice('sqlite:'.length) : null;
  return deepFreeze({
    ...config,
    dataDir: resolvePath(config.dataDir),
    database: sqliteFile === null ? config.database : { url: `sqlite:${resolvePath(sqliteFile)}` },
    models: { ...config.models, trustedKeysDir: resolvePath(config.models.trustedKeysDir) },
    http: {
      ...config.http,
      ...(config.http.publicUrl ? { publicUrl: config.http.publicUrl.replace(/\/+$/, '') } : {}),
      ...(config.http.tls
        ? { tls: { certFile: resolvePath(config.http.tls.certFile), keyFile: resolvePath(config.http.tls.keyFile) } }
        : {}),
    },
    nats: { ...config.nats, ...(config.nats.caFile ? { caFile: resolvePath(config.nats.caFile) } : {}) },
    mqtt: {
      ...config.mqtt,
      ...(config.mqtt.caFile ? { caFile: resolvePath(config.mqtt.caFile) } : {}),
      ...(config.mqtt.tls
        ? {
            tls: {
              certFile: resolvePath(config.mqtt.tls.certFile),
              keyFile: resolvePath(config.mqtt.tls.keyFile),
              ...(config.mqtt.tls.caFile ? { caFile: resolvePath(config.mqtt.tls.caFile) } : {}),
              ...(config.mqtt.tls.crlFile ? { crlFile: resolvePath(config.mqtt.tls.crlFile) } : {}),
            },
          }
        : {}),
    },
  });
}

export function loadHubConfig(file: string, env: NodeJS.ProcessEnv = process.env): HubConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CxrError('CXR_ERR_HUB_CONFIG', `cannot read hub config: ${(cause as Error).message}`, { cause });
  }
  return parseHubConfig(raw, env, dirname(resolve(file)));
}

/** The database URL in force: `database.url`, else the SQLite file `hub.db` in the data dir. */
export function databaseUrl(config: Pick<HubConfig, 'dataDir' | 'database'>): string {
  return config.database.url ?? `sqlite:${join(config.dataDir, 'hub.db')}`;
}
