/**
 * The agent's configuration as a JSON Schema (TypeBox); `AgentConfig` is its static type.
 * Defaults live here so the schema, the docs (docs/agent.md) and the example file agree.
 */
import { type Static, Type } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Ms = (def: number, minimum = 10) => Type.Integer({ minimum, default: def });
/** DICOM AE title (PS3.5 6.2): 1–16 characters, no backslash or control characters. */
const AeTitle = Type.String({ pattern: '^[\\x20-\\x5b\\x5d-\\x7e]{1,16}$' });

export const WatchFolderSchema = Type.Object(
  {
    path: Type.String({ minLength: 1 }),
    /** Basename globs (`*` and `?`), case-insensitive; `*` also admits extensionless DICOMs. */
    include: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['*'] }),
    /** leave: files stay, the SQLite record prevents rescoring; move: to processedDir / quarantineDir. */
    policy: Type.Union([Type.Literal('leave'), Type.Literal('move')], { default: 'move' }),
    /** Poll instead of inotify (network shares). */
    usePolling: Type.Boolean({ default: false }),
    pollIntervalMs: Ms(1000),
    /** A file counts as complete when size and mtime are unchanged for this long. */
    stableMs: Ms(2000, 0),
    /** Full directory rescan to catch missed events. */
    rescanIntervalMs: Ms(60_000, 100),
    /** A DICOM that fails to parse as truncated (or an empty file) is retried until unchanged this long, then quarantined. */
    incompleteGraceMs: Ms(60_000, 0),
    /** Larger files are quarantined unread (CXR_ERR_AGENT_FILE_TOO_LARGE): the agent reads whole files into memory. */
    maxFileBytes: Type.Integer({ minimum: 1, default: 1024 ** 3 }),
    /** Symbolic links: `inside-roots` follows a link only to a file inside a watch folder; `refuse` quarantines
     * every link; `follow` follows any (the old behaviour). A refused link's target is never read. */
    symlinks: Type.Union([Type.Literal('inside-roots'), Type.Literal('refuse'), Type.Literal('follow')], {
      default: 'inside-roots',
    }),
  },
  { additionalProperties: false },
);

export const AgentConfigSchema = Type.Object(
  {
    site: Id,
    agentId: Id,
    /** Per-site secret for HMAC pseudonyms; never logged, never sent. */
    siteSecret: Type.String({ minLength: 16 }),
    /** SQLite database and the default processed/quarantine folders live here. */
    dataDir: Type.String({ minLength: 1 }),
    processedDir: Type.Optional(Type.String({ minLength: 1 })),
    quarantineDir: Type.Optional(Type.String({ minLength: 1 })),
    /** At least one folder, unless DICOM network intake is on (its spool is then the watched folder). */
    watch: Type.Array(WatchFolderSchema, { default: [] }),
    model: Type.Object(
      {
        dir: Type.String({ minLength: 1 }),
        /** Folder of trusted publisher keys (`*.pub.pem`); default: the repo's models/trusted-keys/. */
        trustedKeysDir: Type.Optional(Type.String({ minLength: 1 })),
        runtime: Type.Union([Type.Literal('auto'), Type.Literal('openvino'), Type.Literal('onnxruntime')], {
          default: 'auto',
        }),
        openvinoLib: Type.Optional(Type.String({ minLength: 1 })),
        cacheDir: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    mqtt: Type.Object(
      {
        url: Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://' }),
        /** Other nodes of a broker cluster (docs/scale-out.md), tried in turn after `url` on each reconnect. */
        failoverUrls: Type.Array(Type.String({ pattern: '^(mqtts?|tcp|ssl)://[^/]+/?$' }), { default: [] }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        certFile: Type.Optional(Type.String({ minLength: 1 })),
        keyFile: Type.Optional(Type.String({ minLength: 1 })),
        /** Fixed client id for the persistent session; default `cxr-agent-<site>-<agentId>`. */
        clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        keepaliveS: Type.Integer({ minimum: 5, default: 30 }),
        statusIntervalMs: Ms(30_000, 100),
        retryInitialMs: Ms(5000),
        retryMaxMs: Ms(300_000),
        /** Results published and not yet acked at once. */
        maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
        /** Connected time a published result may wait for the hub's ack before the acks-stalled alert. */
        ackAlertMs: Ms(120_000, 100),
      },
      { additionalProperties: false },
    ),
    /** Taking up model versions the hub sends on `model/desired` (docs/rollout.md). */
    rollout: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Verified versions kept under `<dataDir>/models/` (the active and previous ones are never deleted). */
        keepVersions: Type.Integer({ minimum: 2, maximum: 100, default: 3 }),
        /** Images both models score in shadow mode before the switch. */
        shadowImages: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
        /** Least fraction of shadow images with identical flags; below it the take-up fails. */
        shadowMinAgreement: Type.Number({ minimum: 0, maximum: 1, default: 0.9 }),
        /** Images after a switch on which inference errors are counted. */
        probationImages: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
        /** More than this fraction of the probation images failing in inference rolls back. */
        maxErrorFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
        /** A package download with no byte for this long is cut and resumed (Range) on the next attempt. */
        downloadTimeoutMs: Ms(60_000, 100),
      },
      { additionalProperties: false, default: {} },
    ),
    /** DICOM network intake (docs/clinic.md): a C-STORE SCP whose spool folder is watched like any other. */
    dicomScp: Type.Optional(
      Type.Object(
        {
          aeTitle: { ...AeTitle, default: 'CXR-EDGE' },
          /** 0 picks a free port (tests). */
          port: Type.Integer({ minimum: 0, maximum: 65535, default: 11112 }),
          host: Type.String({ default: '0.0.0.0' }),
          /** Calling AE titles of the devices allowed to send (case-sensitive, as PS3.8 compares them). */
          allowedCallingAeTitles: Type.Array(AeTitle, { minItems: 1 }),
          /** Where received instances are written (durably) and then scored; not inside dataDir/processed/quarantine. */
          spoolDir: Type.String({ minLength: 1 }),
          /** Connect, association and PDU timeout. */
          timeoutMs: Ms(30_000, 100),
        },
        { additionalProperties: false },
      ),
    ),
    /** The clinic side (docs/clinic.md): reports written locally, the clinic page, urgent alerts, the PACS. */
    clinic: Type.Optional(
      Type.Object(
        {
          /** Shown on the page and the PDF; the SR's institution name. */
          siteName: Type.String({ minLength: 1, maxLength: 64, default: 'Clinic' }),
          /** Where the PDF/JSON/SR report files are written. */
          resultsDir: Type.String({ minLength: 1 }),
          outputs: Type.Object(
            {
              pdf: Type.Boolean({ default: true }),
              json: Type.Boolean({ default: true }),
              sr: Type.Boolean({ default: true }),
            },
            { additionalProperties: false, default: {} },
          ),
          /** Logins for the clinic page (scrypt hashes: `cxr hub hash-password`); none = the page is off. */
          users: Type.Array(
            Type.Object(
              { username: Type.String({ minLength: 1, maxLength: 64 }), passwordHash: Type.String({ minLength: 1 }) },
              { additionalProperties: false },
            ),
            { default: [] },
          ),
          sessionTtlHours: Type.Number({ minimum: 0.05, maximum: 168, default: 12 }),
          recentStudies: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
          /** argv run once per urgent result (no shell; `{result}` and `{tier}` are filled in, never PHI). */
          alertCommand: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
          /** Send the SR and a Secondary Capture to the clinic's PACS by C-STORE. */
          pacs: Type.Optional(
            Type.Object(
              {
                host: Type.String({ minLength: 1 }),
                port: Type.Integer({ minimum: 1, maximum: 65535 }),
                calledAeTitle: AeTitle,
                callingAeTitle: { ...AeTitle, default: 'CXR-EDGE' },
                sendSr: Type.Boolean({ default: true }),
                sendSecondaryCapture: Type.Boolean({ default: true }),
                timeoutMs: Ms(30_000, 100),
              },
              { additionalProperties: false },
            ),
          ),
          /** Backoff for report deliveries that fail (folder unwritable, PACS down). */
          retryInitialMs: Ms(5000),
          retryMaxMs: Ms(600_000),
        },
        { additionalProperties: false },
      ),
    ),
    sendPixels: Type.Boolean({ default: true }),
    /** What of the film leaves the clinic, and how (docs/viewing.md). */
    pixels: Type.Object(
      {
        /** none | preview (JPEG in the result) | diagnostic (also the lossless PNG over HTTPS). Default from sendPixels. */
        policy: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('preview'), Type.Literal('diagnostic')])),
        /** The hub's HTTP(S) base URL for diagnostic uploads (the agent logs in with its MQTT username/password). */
        hubUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** CA to verify the hub's HTTPS certificate; default: mqtt.caFile, else the system CAs. */
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        /** DICOM Burned In Annotation = YES: mask detected text, or keep the pixels at the clinic. */
        burnedInAnnotation: Type.Union([Type.Literal('mask'), Type.Literal('keep-home')], { default: 'mask' }),
        /** Long side the film is resized to for text detection (a multiple of 32). */
        textDetectionSide: Type.Integer({ minimum: 320, maximum: 2048, multipleOf: 32, default: 640 }),
        /** Leave lone "L"/"R" laterality markers unmasked. */
        keepLaterality: Type.Boolean({ default: true }),
        /** Pixel workers that hold a text detector (~250 MB each) and render; 0 = one per GiB of memoryBudgetBytes. */
        textDetectors: Type.Integer({ minimum: 0, default: 0 }),
        /** Inference threads per text detector; 0 = the pool's workers shared out among the detectors. */
        textDetectionThreads: Type.Integer({ minimum: 0, maximum: 64, default: 0 }),
        uploadChunkBytes: Type.Integer({ minimum: 65_536, maximum: 64 * 1024 ** 2, default: 4 * 1024 ** 2 }),
        uploadTimeoutMs: Ms(60_000, 100),
        retryInitialMs: Ms(5000),
        retryMaxMs: Ms(300_000),
      },
      { additionalProperties: false, default: {} },
    ),
    previewMaxSide: Type.Integer({ minimum: 64, maximum: 4096, default: 1024 }),
    disk: Type.Object(
      {
        minFreeBytes: Type.Integer({ minimum: 0, default: 1_000_000_000 }),
        minFreePercent: Type.Number({ minimum: 0, maximum: 100, default: 5 }),
        checkIntervalMs: Ms(10_000, 100),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        /** 0 picks a free port; -1 disables the server. */
        port: Type.Integer({ minimum: -1, maximum: 65535, default: 9464 }),
        host: Type.String({ default: '127.0.0.1' }),
      },
      { additionalProperties: false, default: {} },
    ),
    batchSize: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    batchWaitMs: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
    /** Files in flight at once (read, waiting for memory, decoding, scoring). */
    concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 8 }),
    /** Pixel worker threads (decode, preprocess, render, text detection); 0 = one per core. */
    workers: Type.Integer({ minimum: 0, maximum: 64, default: 0 }),
    /** Peak RSS the agent aims to stay under: files are admitted by the memory their pixels take. */
    memoryBudgetBytes: Type.Integer({ minimum: 64 * 1024 ** 2, default: 1024 ** 3 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type AgentConfig = Static<typeof AgentConfigSchema>;
export type WatchFolderConfig = Static<typeof WatchFolderSchema>;
