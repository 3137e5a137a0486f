/**
 * The agent's data flow for ONE complete file (STYLE.md rule 2): each line is a stage.
 *
 *   bytes ─▶ content hash ─▶ (known? duplicate) ─▶ readImage ─▶ chest? ─▶ take the current model
 *         ─▶ preprocess ─▶ infer (batched) ─▶ buildResult ─▶ releasePixels (burned-in text masked; preview,
 *            activation maps, diagnostic PNG per the site's pixel policy) ─▶ validate ─▶ release the model
 *         ─▶ diagnostic PNG queued for upload ─▶ outbox commit (one transaction) ─▶ move/leave
 *
 * The model is taken once per file (agent/model/model-slot.ts): a switch to another version happens between
 * two files, and the result carries the version that produced it.
 * Where failures go: a bad or non-chest file (tags, or the model package's not-a-chest gate:
 * models/package/chest-gate.ts, CXR_ERR_NOT_CHEST_XRAY / CXR_ERR_LATERAL_VIEW) → quarantine (recorded by hash,
 * moved with .error.json);
 * a DICOM that looks unfinished and is young → retry; anything internal (runtime, disk, database) → thrown,
 * and the worker retries the file with backoff. Logs carry the pseudonymous image key, never paths or tags.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { pseudonymize } from '../models/deid/pseudonymize.ts';
import { CxrError, isCxrError } from '../models/errors.ts';
import { plausibleAcquisition } from '../models/image/dicom/acquisition-time.ts';
import { readImage } from '../models/image/read-image.ts';
import { calibrateProbabilities } from '../models/package/calibration.ts';
import { inputGate, outputGate } from '../models/package/chest-gate.ts';
import { preprocess } from '../models/preprocess/preprocess.ts';
import type { ResultMessage } from '../protocol/messages.ts';
import { decoders } from '../protocol/validate.ts';
import { retryIncomplete } from './intake/completeness.ts';
import type { DispositionTargets } from './intake/disposition.ts';
import { type ArrivedFile, factsOf, settleProcessed, settleQuarantined } from './intake/settle.ts';
import type { ModelLease } from './model/model-slot.ts';
import { type PixelRelease, releasePixels } from './screening/release-pixels.ts';
import { buildResult } from './screening/result-builder.ts';
import { safeImageFacts } from './screening/safe-image-facts.ts';
import type { AgentStore } from './store/agent-store.ts';
import type { PixelQueue } from './store/pixel-queue.ts';

export interface PipelineDeps {
  identity: { site: string; agent: string; siteSecret: string };
  /** The current model; a lease is held from preprocessing until the result is built. */
  models: { take(): ModelLease };
  /** The site's pixel policy (docs/viewing.md); `queue` takes diagnostic PNGs for upload. */
  pixels: PixelRelease & { queue?: Pick<PixelQueue, 'enqueue'> };
  incompleteGraceMs: (file: ArrivedFile) => number;
  store: AgentStore;
  /** The clinic's local record of each scored file (identity, AI summary, preview); PHI stays on the agent. */
  clinic?: { record(result: ResultMessage, source: { bytes: Uint8Array; path: string }): void };
  targets: DispositionTargets;
  log: Logger;
  now(): number;
}

export type Outcome =
  | { kind: 'scored'; resultId: string; endToEndMs: number }
  | { kind: 'duplicate' }
  | { kind: 'quarantined'; code: string }
  | { kind: 'retry'; code: string }
  | { kind: 'gone' };

export async function screenFile(deps: PipelineDeps, file: ArrivedFile): Promise<Outcome> {
  const clock = stopwatch();
  const bytes = await readSource(file.path);
  if (bytes === undefined) return { kind: 'gone' };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const log = deps.log.child({ image: pseudonymize(deps.identity.siteSecret, `image:${sha256}`).slice(0, 16) });

  const known = deps.store.knownFile(sha256);
  if (known?.status === 'scored') {
    deps.store.rememberPath(factsOf(file, sha256));
    await settleProcessed(file, deps.targets);
    return { kind: 'duplicate' };
  }
  if (known?.status === 'quarantined')
    return quarantine(deps, file, sha256, known.errorCode ?? 'CXR_ERR_INTERNAL', known.errorMessage ?? '', log);

  let image: Awaited<ReturnType<typeof readImage>>;
  try {
    image = await readImage(bytes, { diagnostic: deps.pixels.policy === 'diagnostic' });
  } catch (thrown) {
    if (!isCxrError(thrown) || thrown.kind !== 'input') throw thrown;
    if (retryIncomplete(thrown.code, file.mtimeMs, deps.now(), deps.incompleteGraceMs(file)))
      return { kind: 'retry', code: thrown.code };
    return quarantine(deps, file, sha256, thrown.code, thrown.message, log);
  }
  const readMs = clock.lap();
  if (!image.isChest) {
    return quarantine(
      deps,
      file,
      sha256,
      'CXR_ERR_AGENT_NOT_CHEST',
      `not a chest radiograph: ${image.notChestReason ?? 'unknown'}`,
      log,
    );
  }

  const model = deps.models.take(); // this file keeps this model to the end, even across a switch
  let result: ReturnType<typeof buildResult>;
  let diagnostic: Awaited<ReturnType<typeof releasePixels>>['diagnostic'];
  try {
    const { manifest, runtime } = model;
    const before = inputGate(manifest, image);
    if (!before.ok) return await quarantine(deps, file, sha256, before.code, before.reason, log);
    const input = preprocess(image, manifest.input);
    const preprocessMs = clock.lap();
    const output = await model.infer(input, image);
    const inferMs = clock.lap();
    const after = outputGate(manifest, output);
    if (!after.ok) return await quarantine(deps, file, sha256, after.code, after.reason, log);

    result = buildResult({
      ...deps.identity,
      contentSha256: sha256,
      image,
      manifest,
      runtime,
      probabilities: calibrateProbabilities(manifest, output.probabilities),
      timingsMs: { read: readMs, preprocess: preprocessMs, infer: inferMs },
      receivedAt: file.receivedAt,
      acquiredAt: plausibleAcquisition(image.acquiredAt, file.receivedAt),
      scoredAt: new Date(deps.now()),
    });
    result = { ...result, image: safeImageFacts(image, new Date(result.scoredAt)) };
    if (deps.pixels.policy !== 'none') {
      ({ result, diagnostic } = await releasePixels(
        result,
        image,
        output,
        manifest.input,
        deps.pixels,
        log,
        manifest.calibration?.temperature,
      ));
    }
    result.timingsMs.render = clock.lap();
    result.timingsMs.total = clock.total();
    if (!decoders.result.check(result)) {
      throw new CxrError('CXR_ERR_AGENT_RESULT_INVALID', 'built result does not match the protocol schema', {
        kind: 'internal',
      });
    }
  } finally {
    model.release(); // a retired model closes once no file holds it
  }

  deps.clinic?.record(result, { bytes, path: file.path }); // before the commit: a result the hub has is known here
  // Queued before the commit, so a committed result's PNG is always on its way (idempotent by resultId).
  if (diagnostic) await deps.pixels.queue?.enqueue(result.resultId, diagnostic.image, diagnostic.png, deps.now());
  if (!deps.store.commitScored(factsOf(file, sha256), result.resultId, JSON.stringify(result), deps.now())) {
    await settleProcessed(file, deps.targets); // an identical copy was committed while this one was in flight
    return { kind: 'duplicate' };
  }
  log.info({ resultId: result.resultId, flags: result.flags, ms: result.timingsMs.total }, 'scored');
  await settleProcessed(file, deps.targets);
  return { kind: 'scored', resultId: result.resultId, endToEndMs: deps.now() - file.receivedAt.getTime() };
}

async function quarantine(
  deps: PipelineDeps,
  file: ArrivedFile,
  sha256: string,
  code: string,
  message: string,
  log: Logger,
): Promise<Outcome> {
  await settleQuarantined(file, sha256, { code, message }, deps);
  log.warn({ code }, 'quarantined');
  return { kind: 'quarantined', code };
}

/** The file's bytes; undefined when it vanished (moved away, renamed); other I/O errors are retried. */
async function readSource(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CxrError('CXR_ERR_AGENT_READ_FAILED', `cannot read a source file (${code ?? 'error'})`, {
      kind: 'internal',
      cause,
    });
  }
}

function stopwatch() {
  const start = performance.now();
  let last = start;
  return {
    lap(): number {
      const now = performance.now();
      const ms = now - last;
      last = now;
      return ms;
    },
    total: () => performance.now() - start,
  };
}
