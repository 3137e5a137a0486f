/**
 * The agent's composition root (STYLE.md rule 1): config in, wired parts out. Starts parts in dependency
 * order (store → model slot → disk/metrics → model manager → clinic → MQTT → hub state poll → HTTP → pixel pool →
 * intake workers → watcher → DICOM receiver) and closes them in reverse.
 *
 *   const agent = await startAgent(loadAgentConfig('agent.json'));
 *   ...; await agent.close();
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { DEFAULT_TRUSTED_KEYS_DIR } from '../models/package/trusted-keys.ts';
import { startClinic } from './clinic/start-clinic.ts';
import type { AgentConfig } from './config.ts';
import { startHttpServer } from './http/http-server.ts';
import { createAgentMetrics } from './http/metrics.ts';
import { type DicomScp, startDicomScp } from './intake/dicom-scp/dicom-scp.ts';
import { DiskMonitor } from './intake/disk-watermark.ts';
import { IntakeQueue } from './intake/intake-queue.ts';
import { FolderWatcher } from './intake/watcher.ts';
import { IntakeWorkers } from './intake/workers.ts';
import { type ActiveModel, trustedKeysIn } from './model/active-model.ts';
import { ModelManager } from './model/model-manager.ts';
import { ModelSlot } from './model/model-slot.ts';
import { ModelStore } from './model/model-store.ts';
import { SiteCalibrationKeeper } from './model/site-calibration-keeper.ts';
import { startModel } from './model/start-model.ts';
import { type PipelineDeps, screenFile } from './pipeline/compose.ts';
import { CrashTally } from './pipeline/crash-tally.ts';
import { planPixelWork, startPixelWork } from './pipeline/pixel-work.ts';
import { VerdictRecorder } from './pipeline/stages/commit.ts';
import { tuneAllocator } from './pipeline/tune-allocator.ts';
import { Batcher } from './screening/batcher.ts';
import { AgentStore } from './store/agent-store.ts';
import { openAgentDatabase } from './store/database.ts';
import { GroupCommit } from './store/group-commit.ts';
import { PixelQueue } from './store/pixel-queue.ts';
import { keepReports, ReportStore } from './store/report-store.ts';
import { HubStateOrder } from './sync/hub-state-order.ts';
import { HubStatePoller } from './sync/hub-state-poller.ts';
import { readPem } from './sync/mqtt-options.ts';
import { PixelUploader } from './sync/pixel-uploader.ts';
import type { StatusSnapshot } from './sync/status.ts';
import { type SyncLink, startSync } from './sync/sync-link.ts';

export interface AgentDeps {
  logger?: Logger;
  now?: () => number;
  /** A model already loaded (benchmarks); the caller closes it. Default: state.active or config.model. */
  model?: ActiveModel;
  /** The pixel workers' entry module (tests hand in one that crashes). Default: the pipeline's. */
  pixelWorkerUrl?: URL;
}

export interface RunningAgent {
  /** The HTTP port actually bound (config 0 → a free port), or undefined when disabled. */
  httpPort: number | undefined;
  /** The DICOM receiver's port (config 0 → a free port), or undefined without `dicomScp`. */
  dicomPort: number | undefined;
  /** The model new files are scored with (changes when a rollout switches it). */
  readonly model: ActiveModel;
  store: AgentStore;
  backlog(): number;
  status(): StatusSnapshot;
  close(): Promise<void>;
}

export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<RunningAgent> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const log = (deps.logger ?? pino({ level: config.logLevel })).child({ site: config.site, agent: config.agentId });
  if (!tuneAllocator()) log.info('not glibc: film buffers use the C library allocator as it is');
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
    closers.length = 0;
  };

  try {
    const db = openAgentDatabase(join(config.dataDir, 'agent.db'));
    const store = new AgentStore(db);
    closers.push(() => store.close());

    const modelLog = log.child({ component: 'model' });
    const trustedPublicKeysPem = await trustedKeysIn(config.model.trustedKeysDir ?? DEFAULT_TRUSTED_KEYS_DIR);
    const modelStore = new ModelStore(join(config.dataDir, 'models'));
    const started = await startModel(
      { store: modelStore, modelConfig: config.model, trustedPublicKeysPem, log: modelLog },
      deps.model,
    );
    const slot = new ModelSlot(started.model, {
      owned: !deps.model,
      // Batch statistics go to the metrics created below (batches only run once the workers start).
      makeBatcher: (session) =>
        new Batcher(session, config.batchSize, config.batchWaitMs, (stats) => {
          metrics.inferenceMs.observe(stats.inferMs);
          metrics.batchSize.observe(stats.batchSize);
        }),
      log: modelLog,
    });
    closers.push(() => slot.close());
    const model = started.model;
    log.info({ model: model.manifest.version, runtime: model.session.runtime, reason: model.reason }, 'model ready');
    // The site's own operating points, kept from before and replaced by the hub's `calibration` messages.
    const calibrations = new SiteCalibrationKeeper({
      dataDir: config.dataDir,
      site: config.site,
      trustedPublicKeysPem,
      activeManifest: () => slot.current.manifest,
      log: modelLog,
    });
    await calibrations.load();

    const queue = new IntakeQueue();
    let link: SyncLink | undefined; // set below; the disk monitor may fire before the link exists
    const disk = new DiskMonitor(
      config.dataDir,
      config.disk,
      config.disk.checkIntervalMs,
      (paused, sample) => {
        if (paused)
          log.error({ freeBytes: sample.freeBytes, alert: 'disk-watermark' }, 'disk nearly full: intake paused');
        else log.info({ freeBytes: sample.freeBytes }, 'disk space recovered: intake resumed');
        link?.publishStatus();
      },
      undefined,
      (error) => log.warn({ err: error.message }, 'disk check failed'),
    );
    await disk.start();
    closers.push(() => disk.close());

    const snapshot = (): StatusSnapshot => ({
      site: config.site,
      agent: config.agentId,
      agentVersion: AGENT_VERSION,
      startedAt,
      now: now(),
      backlog: queue.size,
      outbox: store.outboxSize(),
      quarantined: store.fileCounts().quarantined,
      model: { version: slot.current.manifest.version, sha256: slot.current.manifest.modelSha256 },
      runtime: slot.current.session.runtime,
      diskFreeBytes: disk.freeBytes,
      intakePaused: disk.paused,
    });
    const metrics = createAgentMetrics({
      backlog: () => queue.size,
      outboxSize: () => store.outboxSize(),
      oldestUnackedAgeS: () => {
        const oldest = store.oldestOutboxCreatedAt();
        return oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000);
      },
      intakePaused: () => (disk.paused ? 1 : 0),
      diskFreeBytes: () => disk.freeBytes,
      uptimeS: () => (now() - startedAt) / 1000,
      acksStalled: () => (link?.sender.acksStalled ? 1 : 0),
      model: () => ({ version: slot.current.manifest.version, runtime: slot.current.session.runtime }),
    });

    const models = new ModelManager({
      slot,
      store: modelStore,
      state: started.state,
      configured: started.configured,
      rollout: config.rollout,
      modelConfig: config.model,
      trustedPublicKeysPem,
      ca: readPem(config.mqtt.caFile, 'CA'),
      report: (message) => link?.publishModelState(message),
      switched: () => link?.publishStatus(),
      counted: (state) => metrics.modelUpdates.inc({ state }),
      log: modelLog,
      now,
    });
    closers.push(() => models.close());

    let dicomScp: DicomScp | undefined;
    const clinic =
      config.clinic &&
      startClinic({
        config: config.clinic,
        db,
        health: () => ({
          ...snapshot(),
          broker: link?.connected() ? 'connected' : 'disconnected',
          ...(config.dicomScp ? { dicomListening: dicomScp !== undefined } : {}),
        }),
        log: log.child({ component: 'clinic' }),
        now,
      });
    if (clinic) closers.push(() => clinic.close());

    // Pixel work on worker threads (decode with preprocess, render, burned-in text detection: pipeline/pixel-work.ts).
    // It starts (text detectors loaded) before the broker link: the hub never sees the agent online while it
    // cannot yet screen.
    const pixelPolicy = config.pixels.policy ?? 'none';
    const pixelWork = planPixelWork(config, availableParallelism());
    const { pool, memory } = await startPixelWork(
      config,
      pixelWork,
      log.child({ component: 'pixel-pool' }),
      deps.pixelWorkerUrl,
    );
    closers.push(() => pool.close());

    // The desired model and calibration come as retained MQTT messages and, polled, over HTTP: one order for both.
    const syncLog = log.child({ component: 'sync' });
    const hubState = new HubStateOrder({ models, calibrations }, syncLog);
    const sync = startSync({
      config,
      store,
      metrics,
      log: syncLog,
      now,
      snapshot,
      ...hubState.sinksFor('mqtt'),
      // Without a clinic the reports are still kept (and acked): a clinic configured later delivers them.
      reports: clinic?.deliverer ?? keepReports(new ReportStore(db, false), now),
    });
    link = sync;
    closers.push(() => sync.close());
    const { hubUrl } = config.pixels;
    if (hubUrl && config.mqtt.username && config.mqtt.password) {
      const ca = readPem(config.pixels.caFile, 'CA');
      const poller = new HubStatePoller({
        client: {
          hubUrl,
          username: config.mqtt.username,
          password: config.mqtt.password,
          ...(ca ? { ca } : {}),
          timeoutMs: config.pixels.uploadTimeoutMs,
        },
        address: { site: config.site, agent: config.agentId },
        sinks: hubState.sinksFor('http'),
        now,
        log: syncLog,
      });
      poller.start();
      closers.push(() => poller.close());
      sync.client.on('connect', () => poller.kick()); // a broker (re)connect may come with no retained state
    }
    if (started.report) {
      // state.active failed at start-up: the hub learns it once the link is up.
      sync.publishModelState({
        v: 1,
        ...started.report,
        activeVersion: model.manifest.version,
        at: new Date(now()).toISOString(),
      });
      metrics.modelUpdates.inc({ state: 'rolled-back' });
    }

    let httpPort: number | undefined;
    if (config.http.port >= 0) {
      const http = await startHttpServer(
        {
          health: () => ({ ok: true, ...snapshot(), broker: sync.connected() ? 'connected' : 'disconnected' }),
          metrics: () => metrics.render(),
          ...(clinic ? { clinic: clinic.page } : {}),
        },
        config.http.port,
        config.http.host,
      );
      httpPort = http.port;
      closers.push(() => http.close());
    }

    let pixelQueue: PixelQueue | undefined;
    let uploader: PixelUploader | undefined;
    if (pixelPolicy === 'diagnostic' && config.pixels.hubUrl) {
      const ca = readPem(config.pixels.caFile, 'CA');
      pixelQueue = new PixelQueue(db, join(config.dataDir, 'pixels'));
      const started = new PixelUploader({
        queue: pixelQueue,
        client: {
          hubUrl: config.pixels.hubUrl,
          username: config.mqtt.username ?? '',
          password: config.mqtt.password ?? '',
          ...(ca ? { ca } : {}),
          chunkBytes: config.pixels.uploadChunkBytes,
          timeoutMs: config.pixels.uploadTimeoutMs,
        },
        backoff: { initialMs: config.pixels.retryInitialMs, maxMs: config.pixels.retryMaxMs },
        now,
        log: log.child({ component: 'upload' }),
      });
      started.start();
      uploader = started;
      closers.push(() => started.close());
      // The broker link coming back usually means the hub is back: uploads waiting in backoff go now.
      sync.client.on('connect', () => started.resume());
    }

    const pipelineLog = log.child({ component: 'pipeline' });
    const graceByRoot = new Map(config.watch.map((w) => [w.path, w.incompleteGraceMs]));
    const commits = new GroupCommit(db, `${join(config.dataDir, 'agent.db')}-wal`);
    closers.push(() => commits.close()); // runs before the database closes (closers run in reverse)
    const verdicts = new VerdictRecorder({
      store,
      commits,
      ...(clinic ? { clinic: clinic.recorder } : {}),
      ...(pixelQueue ? { pixelQueue } : {}),
      targets: { processedDir: config.processedDir as string, quarantineDir: config.quarantineDir as string },
      metrics,
      log: pipelineLog,
      now,
      committed: () => {
        sync.sender.kick();
        uploader?.kick();
      },
    });
    const pipeline: PipelineDeps = {
      identity: { site: config.site, agent: config.agentId, siteSecret: config.siteSecret },
      models: slot,
      pool,
      memory,
      pixels: {
        policy: pixelPolicy,
        previewMaxSide: config.previewMaxSide,
        burnedIn: config.pixels.burnedInAnnotation,
      },
      incompleteGraceMs: (file) => graceByRoot.get(file.root) ?? 60_000,
      shadow: models.liveShadow,
      calibration: (manifest) => calibrations.forManifest(manifest),
      store,
      verdicts,
      crashes: new CrashTally(),
      log: pipelineLog,
      now,
    };
    const workers = new IntakeWorkers({
      queue,
      folders: config.watch,
      concurrency: config.concurrency,
      paused: () => disk.paused,
      metrics,
      log: log.child({ component: 'intake' }),
      now,
      verdicts,
      screen: (file) => screenFile(pipeline, file),
    });
    workers.start();
    closers.push(() => workers.close());

    const watcher = new FolderWatcher({
      folders: config.watch,
      excludeDirs: [config.processedDir as string, config.quarantineDir as string, config.dataDir],
      queue,
      alreadyHandled: (path, size, mtimeMs) => {
        const seen = store.seenPath(path);
        return seen !== undefined && seen.size === size && seen.mtimeMs === Math.floor(mtimeMs);
      },
      now,
      log: log.child({ component: 'watcher' }),
    });
    await watcher.start();
    closers.push(() => watcher.close());
    if (config.dicomScp) {
      const scp = await startDicomScp(config.dicomScp, log.child({ component: 'dicom-scp' }));
      dicomScp = scp;
      closers.push(() => scp.close());
    }
    log.info({ folders: config.watch.length, backlog: queue.size }, 'agent started');

    return {
      httpPort,
      dicomPort: dicomScp?.port,
      get model() {
        return slot.current;
      },
      store,
      backlog: () => queue.size,
      status: snapshot,
      close: async () => {
        log.info('agent stopping');
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
