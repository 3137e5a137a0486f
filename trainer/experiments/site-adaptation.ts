/**
 * The site-adaptation experiment (docs/trainer.md, "Site B: recalibration against fine-tuning"): on a held-back part
 * of one site, the production model as it is, after recalibration only (the site's operating point from N reads,
 * trainer/jobs/recalibrate.ts) and after fine-tuning on N reads (the fine-tune job's own steps: fine-tune-run.ts,
 * prepareIndex with the base data, trainModel resumed, exportPackage), each evaluated through the production path
 * (evaluatePackage) on the held-back films and on the other site's validation split (it must not collapse).
 *
 * In: the base's prepared cache (its train/val/test CSVs say which films the base trained on and which it never saw),
 * its training run, its package. The reads are the site's train+validation films (N drawn by a seeded patient hash,
 * 100 ⊂ 300 ⊂ 700); the held-back part is the site's test split, never used to choose anything; the base data are
 * the other site's training films. Operating points are chosen on reads only: the recalibrated arms on the N reads,
 * the fine-tuned arms at their package's threshold and at a site point chosen on the reads their fine-tune held out.
 * Out: `<out>/<arm>.json` per arm and `<out>/results.json`. Each finished arm is skipped when run again, and an
 * interrupted fine-tune resumes from its last checkpoint, so the same command continues the experiment. Missing or
 * unreadable inputs throw (the CxrError of the step that read them); unreadable images are counted, not scored.
 *
 *   node --import tsx trainer/experiments/site-adaptation.ts --cache var/cache-2site \
 *     --run var/search-2site/b3-6-12-8_g32_s32_bn2_r128 --model models/baseline --out var/site-adaptation
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { generateKeyPair } from '../../models/package/keys.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { BackendPreference } from '../backend/select-backend.ts';
import { prepareIndex, readIndex } from '../data/prepare-cache.ts';
import { evaluatePackage } from '../eval/evaluate.ts';
import { scoreImages } from '../eval/score-images.ts';
import { exportPackage } from '../export/export-package.ts';
import { fineTuneRun } from '../jobs/fine-tune-run.ts';
import { recalibrateSite } from '../jobs/recalibrate.ts';
import { sensSpec } from '../metrics/auroc.ts';
import { trainModel } from '../train/train-loop.ts';

const { values: args } = parseArgs({
  options: {
    cache: { type: 'string' },
    run: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    site: { type: 'string', default: 'site-b-pediatric' },
    other: { type: 'string', default: 'nih' },
    reads: { type: 'string', default: '100,300,700' },
    epochs: { type: 'string', default: '3' },
    'samples-per-epoch': { type: 'string', default: '320' },
    'target-sensitivity': { type: 'string', default: '0.9' },
    backend: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '1' },
  },
});
if (!args.cache || !args.run || !args.model || !args.out) {
  throw new Error('usage: site-adaptation.ts --cache <dir> --run <run dir> --model <package> --out <dir>');
}
const out = resolve(args.out);
const model = resolve(args.model);
const backend = args.backend as BackendPreference;
const log = pino({ level: 'info', base: { experiment: 'site-adaptation' } });
mkdirSync(out, { recursive: true });

interface Row {
  file: string;
  label: string;
  patient: string;
  site: string;
}
const readCsv = (name: string): Row[] =>
  readFileSync(join(args.cache!, name), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, label, patient, site] = line.split(',') as [string, string, string, string];
      return { file: resolve(args.cache!, file), label, patient, site };
    });
const writeCsv = (name: string, rows: Row[]) => {
  const path = join(out, name);
  writeFileSync(
    path,
    `file,label,patient_id,site\n${rows.map((r) => [r.file, r.label, r.patient, r.site].join(',')).join('\n')}\n`,
  );
  return path;
};

const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')) as {
  version: string;
  classes: string[];
};
const known = (r: Row) => manifest.classes.includes(r.label);
const seeded = (key: string) => createHash('sha256').update(`${args.seed}|${key}`).digest('hex');
const pool = [...readCsv('train.csv'), ...readCsv('val.csv')]
  .filter((r) => r.site === args.site && known(r))
  .sort((a, b) => (seeded(a.patient) < seeded(b.patient) ? -1 : 1));
const heldBack = writeCsv(
  'held-back.csv',
  readCsv('test.csv').filter((r) => r.site === args.site && known(r)),
);
const otherVal = writeCsv(
  'other-val.csv',
  readCsv('val.csv').filter((r) => r.site === args.other && known(r)),
);
const baseData = writeCsv(
  'base-data.csv',
  readCsv('train.csv').filter((r) => r.site === args.other && known(r)),
);
const sizes = args.reads.split(',').map(Number);
const FINDING = 'Lung Opacity';

const keyFile = join(out, 'experiment.pub.pem');
if (!existsSync(keyFile)) {
  const pair = generateKeyPair();
  writeFileSync(join(out, 'experiment.key.pem'), pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(keyFile, pair.publicKeyPem);
}
const privateKeyPem = readFileSync(join(out, 'experiment.key.pem'), 'utf8');

/** The production path's evaluation (cxr eval) of a package on a labels CSV, without the curves. */
async function evaluate(pkg: string, labels: string) {
  const report = await evaluatePackage({ model: pkg, labels, runtime: 'auto', trust: [keyFile], shortcuts: false });
  const { runtime, images, n, auroc, ci95, atThresholds, ece } = report;
  return { runtime, images: images.evaluated, refusedByGate: images.refusedByGate, n, auroc, ci95, atThresholds, ece };
}

/** Runs one arm unless its result is on disk; records how long it took. */
async function arm(name: string, work: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const file = join(out, `${name}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const started = Date.now();
  log.info({ arm: name }, 'arm started');
  const result = { arm: name, ...(await work()), seconds: Math.round((Date.now() - started) / 1000) };
  writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
  log.info({ arm: name, seconds: result.seconds }, 'arm done');
  return result;
}

/** Calibrated probabilities of a package (the production path) on a labels CSV (paths relative to it), with labels. */
async function scoreWith(pkgDir: string, labels: string) {
  const trusted = await readTrustedKeys([keyFile]);
  const { pkg, cleanup } = await loadPackageFromPath(pkgDir, { trustedPublicKeysPem: trusted });
  const { session } = await openSession(pkg, { runtime: 'auto' });
  try {
    const rows = readFileSync(labels, 'utf8').trim().split('\n').slice(1);
    const items = rows.map((line) => {
      const [file, label, , site] = line.split(',') as [string, string, string, string];
      return { path: resolve(dirname(labels), file), label: pkg.manifest.classes.indexOf(label), site };
    });
    const scored = await scoreImages(
      items.filter((i) => i.site === args.site),
      pkg.manifest,
      session,
      { shortcuts: false },
    );
    return { manifest: pkg.manifest, scored: scored.filter((s) => s.calibrated) };
  } finally {
    await session.close();
    await cleanup();
  }
}

/**
 * The site's operating point for Lung Opacity chosen on `readsCsv` only (recalibrate.ts), and the sensitivity and
 * specificity it gives on the held-back films; both scored by the package at `pkgDir`.
 */
async function siteOperatingPoint(pkgDir: string, readsCsv: string) {
  const reads = await scoreWith(pkgDir, readsCsv);
  const finding = reads.manifest.classes.indexOf(FINDING);
  const { calibration } = recalibrateSite({
    site: args.site!,
    manifest: reads.manifest,
    reads: reads.scored.map((s) => ({
      site: args.site!,
      modelVersion: reads.manifest.version,
      probabilities: Object.fromEntries(reads.manifest.classes.map((c, i) => [c, s.calibrated![i]!])),
      decisions: { [FINDING]: s.label === finding ? 'present' : 'absent' },
    })),
    targetSensitivity: Number(args['target-sensitivity']),
    now: new Date(),
  });
  const held = await scoreWith(pkgDir, heldBack);
  const { threshold, chosenOn } = calibration.thresholds[FINDING]!;
  const point = sensSpec(
    held.scored.map((s) => s.calibrated![finding]!),
    held.scored.map((s) => s.label === finding),
    threshold,
  );
  return { reads: reads.scored.length, threshold, chosenOn, heldBack: { images: held.scored.length, ...point } };
}

const results: Record<string, unknown>[] = [];
results.push(
  await arm('production', async () => ({
    reads: 0,
    site: await evaluate(model, heldBack),
    other: await evaluate(model, otherVal),
  })),
);

const readsCsvs = new Map(sizes.map((n) => [n, writeCsv(`reads-${n}.csv`, pool.slice(0, n))]));
const baseValidation = new Set(readCsv('val.csv').map((r) => r.file));
/** How many of the first n reads the base trained on (its train split) and how many it only validated on. */
const readsSeenBy = (n: number) => {
  const validated = pool.slice(0, n).filter((r) => baseValidation.has(r.file)).length;
  return { baseTrain: n - validated, baseValidation: validated };
};
// Recalibration does not change the scores: its AUROCs are the production arm's; only the threshold moves.
for (const n of sizes) {
  results.push(
    await arm(`recalibrated-${n}`, async () => {
      // The base trained on most reads (its scores there are optimistic); the point from the unseen ones alone too.
      const unseen = pool.slice(0, n).filter((r) => baseValidation.has(r.file));
      return {
        ...(await siteOperatingPoint(model, readsCsvs.get(n)!)),
        readsFrom: readsSeenBy(n),
        onReadsBaseDidNotTrainOn: await siteOperatingPoint(model, writeCsv(`reads-${n}-unseen.csv`, unseen)),
      };
    }),
  );
}

for (const n of sizes) {
  results.push(
    await arm(`fine-tuned-${n}`, async () => {
      const dir = join(out, `fine-tune-${n}`);
      const runDir = join(dir, 'run');
      const { state, plan } = await fineTuneRun(resolve(args.run!), runDir, Number(args.epochs), manifest.version);
      const cacheDir = join(dir, 'cache');
      await prepareIndex([readsCsvs.get(n)!, baseData], cacheDir, { val: 0.2, test: 0, seed: Number(args.seed) });
      const trained = await trainModel(
        {
          ...state.config,
          cacheDir,
          outDir: runDir,
          epochs: plan.epochs,
          resume: true,
          patience: plan.epochs,
          backend,
          samplesPerEpoch: Number(args['samples-per-epoch']),
        },
        { logger: log },
      );
      const pkgDir = join(dir, 'package');
      await exportPackage({
        trainDir: runDir,
        cacheDir,
        outDir: pkgDir,
        privateKeyPem,
        name: 'site-adaptation',
        version: `${manifest.version}-ft${n}`,
        goldenImages: pool.slice(0, 2).map((r) => r.file),
        backend,
      });
      const index = await readIndex(cacheDir);
      return {
        reads: n,
        readsFrom: readsSeenBy(n),
        trainedOn: index.countsBySite,
        normalisation: trained.normalisation,
        epochs: trained.history
          .slice(plan.firstEpoch)
          .map((e) => ({ epoch: e.epoch, loss: e.loss, val: e.valAurocBySite, seconds: e.seconds })),
        bestEpoch: trained.bestEpoch,
        site: await evaluate(pkgDir, heldBack),
        other: await evaluate(pkgDir, otherVal),
        // The site's own operating point, chosen on the reads the fine-tune held out for validation.
        siteOperatingPoint: await siteOperatingPoint(pkgDir, join(cacheDir, 'val.csv')),
      };
    }),
  );
}
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
log.info({ arms: results.length }, 'experiment done');
