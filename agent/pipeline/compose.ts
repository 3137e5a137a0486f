/**
 * The agent's data flow for ONE complete file: each line below is a stage (agent/pipeline/stages/), one module
 * with one typed input and one typed output, so a stage whose output does not fit the next one's input fails to
 * compile. A stage that decides the file's fate returns a Verdict and the flow ends there; the commit stage is
 * the one place a verdict is recorded.
 *
 *   read ─▶ verify ─▶ decode+preprocess* ─▶ check ─▶ infer ─▶ check (─▶ orientation) ─▶ shadow ─▶ render* ─▶ result ─▶ commit
 *   (* on the pixel pool: worker threads, one per core; buffers are moved to and from them, never copied. Decode
 *   and preprocess are one task: the film's pixels stay in the worker, and come back to this thread only when
 *   render (pixel policy other than `none`) or a live shadow with its own input needs them.)
 *
 * Memory: a file is admitted for its size before it is read and for its decoded pixels once its header is known
 * (memory-admission.ts); it holds that until its verdict is recorded. Timings are taken per stage as the file
 * moves (stage-clock.ts) and travel in the result. The model (and the live shadow, if any) is taken once per file,
 * before the decode (agent/model/model-slot.ts): a switch to another version happens between two files, and the
 * result carries the version that produced it.
 * Where failures go: a bad or non-chest file → quarantined; a DICOM that looks unfinished and is young → looked
 * at again; anything internal (runtime, disk, database, a pixel worker that died) → thrown, and the intake
 * retries the file with backoff; content that killed 3 workers → quarantined (CXR_ERR_AGENT_WORKER_CRASHED).
 * Logs carry the pseudonymous image key, never paths or tags.
 */
import type { Logger } from 'pino';
import type { ArrivedFile } from '../intake/arrived-file.ts';
import type { ShadowLease } from '../model/live-shadow.ts';
import type { ModelLease } from '../model/model-slot.ts';
import type { AgentStore } from '../store/agent-store.ts';
import type { CrashTally } from './crash-tally.ts';
import { decodeCostBytes, type MemoryAdmission, type Ticket } from './memory-admission.ts';
import { pixelCount } from './pixel-count.ts';
import type { PixelPool } from './pool/pixel-pool.ts';
import { StageClock } from './stage-clock.ts';
import { checkInput, checkOutput } from './stages/check.ts';
import type { VerdictRecorder } from './stages/commit.ts';
import { decode } from './stages/decode.ts';
import { infer } from './stages/infer.ts';
import { readSource } from './stages/read.ts';
import { type PixelRelease, render } from './stages/render.ts';
import { type ResultContext, scored } from './stages/result.ts';
import { needsPixels, shadowScore } from './stages/shadow.ts';
import { verify } from './stages/verify.ts';
import { isVerdict, type Outcome, quarantine, type SourceFile, type Verdict } from './verdict.ts';

export interface PipelineDeps {
  identity: { site: string; agent: string; siteSecret: string };
  /** The current model; a lease is held from the chest check until the result is built. */
  models: { take(): ModelLease };
  pool: Pick<PixelPool, 'timed'>;
  memory: Pick<MemoryAdmission, 'admit'>;
  /** The site's pixel policy (docs/viewing.md). */
  pixels: PixelRelease;
  /** The candidate shadowed at this site, if any (agent/model/live-shadow.ts): its output goes with the result. */
  shadow?: { take(): ShadowLease | undefined };
  /** The site calibration's operating points for a model, if any (agent/model/site-calibration-keeper.ts). */
  calibration?(manifest: ModelLease['manifest']): ResultContext['calibration'];
  incompleteGraceMs(file: ArrivedFile): number;
  store: Pick<AgentStore, 'knownFile'>;
  verdicts: Pick<VerdictRecorder, 'record'>;
  crashes: CrashTally;
  log: Logger;
  now(): number;
}

export async function screenFile(deps: PipelineDeps, file: ArrivedFile): Promise<Outcome> {
  const clock = new StageClock(file.completeAt);
  const ticket = await clock.time('wait', () => deps.memory.admit(file.sizeBytes));
  try {
    return await deps.verdicts.record(await judge(deps, file, ticket, clock));
  } finally {
    ticket.release();
  }
}

async function judge(deps: PipelineDeps, file: ArrivedFile, ticket: Ticket, clock: StageClock): Promise<Verdict> {
  const source = await clock.time('read', () => readSource(file, deps.identity.siteSecret));
  if (isVerdict(source)) return source;
  const known = verify(source, deps.store);
  if (known) return known;
  try {
    return await score(deps, source, ticket, clock);
  } catch (thrown) {
    if (!deps.crashes.poisoned(source.sha256, thrown)) throw thrown;
    return quarantine(source, 'CXR_ERR_AGENT_WORKER_CRASHED', 'decoding or rendering this file killed 3 pixel workers');
  }
}

async function score(deps: PipelineDeps, source: SourceFile, ticket: Ticket, clock: StageClock): Promise<Verdict> {
  const diagnostic = deps.pixels.policy === 'diagnostic';
  await clock.time('wait', () => ticket.grow(decodeCostBytes(pixelCount(source.bytes) ?? 0, diagnostic)));
  const lease = deps.models.take(); // this file keeps this model (and shadow) to the end, even across a switch
  const shadowLease = deps.shadow?.take();
  const renders = deps.pixels.policy !== 'none';
  const forShadow = lease.needsPixels || needsPixels(shadowLease, lease.manifest);
  try {
    const decoded = await decode(
      source,
      deps.pool.timed(clock),
      {
        diagnostic,
        spec: lease.manifest.input,
        keepPixels: renders || forShadow,
        // Pixels wanted for a preview only may come back smaller (2× its size, whole factors): memory on huge films.
        ...(renders && !forShadow && !diagnostic ? { displayMaxSide: 2 * deps.pixels.previewMaxSide } : {}),
        incompleteGraceMs: deps.incompleteGraceMs(source.file),
        now: deps.now,
      },
      clock,
    );
    if (isVerdict(decoded)) return decoded;
    const refused = await clock.time('check', () => checkInput(decoded, lease.manifest));
    if (refused) return refused;
    const inferred = await clock.time('infer', () => infer(decoded, lease));
    const outOfScope = await clock.time('check', () => checkOutput(inferred, lease));
    if (outOfScope) return outOfScope;
    const shadow = await shadowScore(inferred, lease.manifest, shadowLease, deps.log);
    const pool = deps.pool.timed(clock);
    const rendered = await clock.time('render', () => render(inferred, lease.manifest, deps.pixels, pool, deps.log));
    const scoredAt = new Date(deps.now());
    const calibration = deps.calibration?.(lease.manifest);
    return scored(rendered, {
      identity: deps.identity,
      lease,
      timingsMs: clock.snapshot(),
      scoredAt,
      ...(calibration ? { calibration } : {}),
      ...(shadow ? { shadow } : {}),
    });
  } finally {
    shadowLease?.release();
    lease.release(); // a retired model closes once no file holds it
  }
}
