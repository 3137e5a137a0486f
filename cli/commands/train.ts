/**
 * `cxr train prepare --data <csv|rsna root|class folders> [--data <another site> ...] --cache <dir>
 *    [--val 0.15 --test 0.2 --seed 1 --resolution 128 --min-class-images 0]`
 * `cxr train negatives --out <dir> [--skimage <dir>] [--dicom <dir>...] [--images <dir>... --grey-copies]
 *   [--page <html|md>...] [--document <md>...]`
 * `cxr train --cache <dir> --out <dir> [family options] [--epochs --batch --lr --patience --seed --head --resume
 *    --cam-from-block 2 --samples-per-epoch <n>]`
 *
 * Training progress (bar with ETA, loss, live validation AUROC) goes to stderr; stdout carries only the
 * result (JSON under --json).
 */
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import pino from 'pino';
import { CxrError } from '../../models/errors.ts';
import type { BackendPreference } from '../../trainer/backend/select-backend.ts';
import { addScalingOptions, type ScalingCliOptions, scalingFrom } from '../../trainer/cli/scaling-options.ts';
import { loadPixels, prepareIndex } from '../../trainer/data/prepare-cache.ts';
import { buildNegatives } from '../../trainer/gate/build-negatives.ts';
import { DEFAULT_TRAIN, type TrainState } from '../../trainer/train/train-config.ts';
import { trainModel } from '../../trainer/train/train-loop.ts';
import { collect, runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface PrepareOptions {
  data: string[];
  minClassImages: string;
  cache: string;
  val: string;
  test: string;
  seed: string;
  resolution: string;
  json?: boolean;
}

interface TrainOptions extends ScalingCliOptions {
  cache: string;
  out: string;
  epochs: string;
  batch: string;
  lr: string;
  patience: string;
  seed: string;
  head: 'sigmoid' | 'softmax';
  augment: boolean;
  resume?: boolean;
  backend: BackendPreference;
  timeBudget?: string;
  stopAfter?: string;
  maxTrain?: string;
  camFromBlock: string;
  samplesPerEpoch?: string;
  json?: boolean;
}

interface NegativesCliOptions {
  out: string;
  skimage?: string;
  dicom: string[];
  images: string[];
  greyCopies?: boolean;
  page: string[];
  document: string[];
  synthetic: string;
  json?: boolean;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));

function summary(state: TrainState) {
  const best = state.history[state.bestEpoch - 1];
  return {
    outDir: state.config.outDir,
    backend: state.backend,
    arch: state.arch,
    macs: state.cost.macs,
    params: state.cost.params,
    epochs: state.history.length,
    bestEpoch: state.bestEpoch,
    bestValMeanAuroc: state.bestValMeanAuroc,
    bestValAuroc: Object.fromEntries(state.classes.map((c, i) => [c, best?.valAuroc[i] ?? null])),
    imagesPerSecond: state.history.at(-1)?.imagesPerSecond ?? null,
  };
}

export const trainCommand: CommandModule = {
  register(program: Command): void {
    const train = program.command('train').description('train a compound-scaled DenseNet on a prepared dataset');
    train
      .command('prepare')
      .description('split a dataset by patient (stratified, seeded) and cache preprocessed pixels')
      .requiredOption(
        '--data <path>',
        'labels CSV (file,label[,patient_id][,site]), RSNA 2018 root or class-per-folder root; repeat for more sites',
        collect,
      )
      .option('--min-class-images <n>', 'drop classes with fewer images (and those images)', '0')
      .option('--cache <dir>', 'output cache folder')
      .option('--val <fraction>', 'validation fraction of patients', '0.15')
      .option('--test <fraction>', 'test fraction of patients', '0.2')
      .option('--seed <n>', 'split seed', '1')
      .option('--resolution <px...>', 'resolutions to cache now (others are cached on first use)', '128')
      .option('--json', 'print JSON')
      .action(async (own: PrepareOptions, cmd: Command) => {
        // `--cache`, `--seed` and `--json` are also options of `cxr train`, which commander gives to the parent.
        const parent = cmd.parent?.opts() ?? {};
        const o = { ...own, cache: own.cache ?? parent.cache, json: own.json ?? parent.json };
        if (parent.seed !== undefined && parent.seed !== String(DEFAULT_TRAIN.seed)) o.seed = parent.seed;
        await runCommand(
          o,
          async () => {
            if (!o.cache) throw new CxrError('CXR_ERR_DATASET_INVALID', '--cache <dir> is required');
            const index = await prepareIndex(o.data, o.cache, {
              val: Number(o.val),
              test: Number(o.test),
              seed: Number(o.seed),
              minClassImages: Number(o.minClassImages),
            });
            for (const r of String(o.resolution).split(',').map(Number)) await loadPixels(o.cache, index, r);
            return {
              cache: o.cache,
              source: index.source,
              classes: index.classes,
              sites: index.sites,
              counts: index.counts,
              countsBySite: index.countsBySite,
              patients: index.patients,
              dropped: index.dropped,
            };
          },
          (r) =>
            [
              `prepared ${r.source} into ${r.cache}`,
              ...(['train', 'val', 'test'] as const).map(
                (s) =>
                  `${s}: ${r.patients[s]} patients, ${r.counts[s].reduce((a, b) => a + b, 0)} images (${r.classes.map((c, i) => `${c} ${r.counts[s][i]}`).join(', ')})`,
              ),
              ...r.sites.map(
                (site) =>
                  `site ${site}: ${(['train', 'val', 'test'] as const).map((s) => `${s} ${r.countsBySite[site]![s].join('/')}`).join(', ')}`,
              ),
              ...r.dropped.map((d) => `dropped class '${d.name}' (${d.images} images: fewer than --min-class-images)`),
            ].join('\n'),
        );
      });
    train
      .command('negatives')
      .description(
        'gather not-a-chest images (synthetic, photographs, screenshots, documents, CT/MR/other DICOM) for the gate',
      )
      .option('--out <dir>', 'output folder (<kind>/<name>.png and negatives.csv)')
      .option('--skimage <dir>', 'folder holding skimage/data/ unpacked from the scikit-image wheel')
      .option('--dicom <dir>', 'folder searched for DICOM files (repeatable): dir[=licence[=kind]]', collect, [])
      .option(
        '--images <dir>',
        'folder searched for PNG/JPEG/GIF/WebP images (repeatable): dir=licence=kind',
        collect,
        [],
      )
      .option('--grey-copies', 'write each colour image of --images also in grey')
      .option('--page <file>', 'HTML page to screenshot (repeatable)', collect, [])
      .option('--document <file>', 'text or Markdown file to render as a document page (repeatable)', collect, [])
      .option('--synthetic <n>', 'synthetic images per kind', '40')
      .option('--json', 'print JSON')
      .action(async (own: NegativesCliOptions, cmd: Command) => {
        // `--out`, `--seed` and `--json` are also options of `cxr train`, which commander gives to the parent.
        const parent = cmd.parent?.opts() ?? {};
        const o = { ...own, out: own.out ?? parent.out, seed: parent.seed ?? '1', json: own.json ?? parent.json };
        await runCommand(
          o,
          async () => {
            if (!o.out) throw new CxrError('CXR_ERR_DATASET_INVALID', '--out <dir> is required');
            const records = await buildNegatives({
              outDir: o.out,
              ...(o.skimage ? { skimageDir: o.skimage } : {}),
              dicomDirs: o.dicom.map((d) => {
                const [dir, licence, kind] = d.split('=');
                return { dir: dir!, licence: licence ?? 'see the source', ...(kind ? { kind } : {}) };
              }),
              imageDirs: o.images.map((d) => {
                const [dir, licence, kind] = d.split('=');
                if (!kind) throw new CxrError('CXR_ERR_DATASET_INVALID', `--images ${d}: give dir=licence=kind`);
                return { dir: dir!, licence: licence!, kind };
              }),
              greyCopies: o.greyCopies === true,
              pages: [
                ...o.page.map((path) => ({ path, kind: 'screenshot' as const, licence: 'this project' })),
                ...o.document.map((path) => ({ path, kind: 'document' as const, licence: 'this project' })),
              ],
              syntheticPerKind: Number(o.synthetic),
              seed: Number(o.seed),
            });
            const byKind: Record<string, number> = {};
            for (const r of records) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
            return { out: o.out, images: records.length, byKind };
          },
          (r) =>
            `${r.images} images in ${r.out}: ${Object.entries(r.byKind)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`,
        );
      });
    addScalingOptions(train)
      .option('--cache <dir>', 'prepared dataset (cxr train prepare)')
      .option('--out <dir>', 'output folder (checkpoints, train-state.json)')
      .option('--epochs <n>', 'max epochs', String(DEFAULT_TRAIN.epochs))
      .option('--batch <n>', 'batch size', String(DEFAULT_TRAIN.batchSize))
      .option('--lr <n>', 'Adam learning rate (warm-up + cosine)', String(DEFAULT_TRAIN.lr))
      .option('--patience <n>', 'early stopping patience on mean val AUROC', String(DEFAULT_TRAIN.patience))
      .option('--seed <n>', 'seed (weights, shuffling, augmentation)', String(DEFAULT_TRAIN.seed))
      .addOption(
        new Option('--head <head>', 'classifier activation').choices(['sigmoid', 'softmax']).default('sigmoid'),
      )
      .option('--no-augment', 'disable augmentation')
      .option('--resume', 'continue from <out>/last checkpoint')
      .addOption(
        new Option('--backend <name>', 'training backend')
          .choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
          .default('auto'),
      )
      .option('--time-budget <s>', 'stop after this many seconds (whole epochs)')
      .option('--stop-after <n>', 'stop after n epochs (the learning-rate schedule still spans --epochs)')
      .option('--max-train <n>', 'use only the first n training images')
      .option('--cam-from-block <n>', 'multi-scale head: this dense block also feeds the classifier (0: off)', '2')
      .option('--samples-per-epoch <n>', 'images drawn per epoch, equal share per site (default: training images)')
      .option('--json', 'print JSON')
      .action(async (o: TrainOptions) => {
        await runCommand(
          o,
          async () => {
            if (!o.cache || !o.out) throw new CxrError('CXR_ERR_DATASET_INVALID', '--cache and --out are required');
            const scaling = scalingFrom(o);
            const logger = pino(
              { name: 'cxr-train', level: process.stderr.isTTY ? 'warn' : 'info' },
              pino.destination(2),
            );
            const bar = new SingleBar({
              stream: process.stderr,
              format:
                'epoch {epoch} |{bar}| {value}/{total} batches | ETA {eta_formatted} | loss {loss} | val AUROC {auroc}',
              hideCursor: true,
            });
            let started = false;
            const state = await trainModel(
              {
                ...DEFAULT_TRAIN,
                cacheDir: o.cache,
                outDir: o.out,
                scaling,
                epochs: Number(o.epochs),
                batchSize: Number(o.batch),
                lr: Number(o.lr),
                patience: Number(o.patience),
                seed: Number(o.seed),
                head: o.head,
                augment: o.augment,
                resume: Boolean(o.resume),
                backend: o.backend,
                ...(o.timeBudget ? { timeBudgetS: Number(o.timeBudget) } : {}),
                ...(o.maxTrain ? { maxTrainImages: Number(o.maxTrain) } : {}),
                ...(o.stopAfter ? { stopAfterEpochs: Number(o.stopAfter) } : {}),
                camFromBlock: Number(o.camFromBlock),
                ...(o.samplesPerEpoch ? { samplesPerEpoch: Number(o.samplesPerEpoch) } : {}),
              },
              {
                logger,
                onBatch: ({ epoch, batch, batches, loss }) => {
                  if (!started) {
                    bar.start(batches, 0, { epoch: epoch + 1, loss: 'n/a', auroc: 'n/a' });
                    started = true;
                  }
                  if (batch === 1) bar.start(batches, 0, { epoch: epoch + 1 });
                  bar.update(batch, { loss: loss.toFixed(4) });
                },
                onEpoch: (rec) => {
                  bar.update({ auroc: fmt(rec.valMeanAuroc) });
                  bar.stop();
                  const sites = Object.entries(rec.valAurocBySite ?? {})
                    .map(([site, v]) => `${site} ${v.map(fmt).join('/')}`)
                    .join('; ');
                  process.stderr.write(
                    `epoch ${rec.epoch}: loss ${rec.loss.toFixed(4)}, val AUROC ${rec.valAuroc.map(fmt).join(' / ')} [${sites}] (score ${fmt(rec.valMeanAuroc)}), ${rec.imagesPerSecond.toFixed(2)} img/s\n`,
                  );
                },
              },
            );
            return summary(state);
          },
          (r) =>
            [
              `trained ${r.epochs} epochs on ${r.backend} (${r.imagesPerSecond?.toFixed(2)} img/s): blocks ${r.arch.blocks.join('/')}, growth ${r.arch.growth}, stem ${r.arch.stem}, ${r.arch.resolution}px, ${(r.macs / 1e6).toFixed(1)} M MACs, ${(r.params / 1e6).toFixed(3)} M params`,
              `best epoch ${r.bestEpoch > 0 ? r.bestEpoch : 'none (no defined validation AUROC; the last epoch is kept as best)'}: mean val AUROC ${fmt(r.bestValMeanAuroc)} (${Object.entries(
                r.bestValAuroc,
              )
                .map(([c, v]) => `${c} ${fmt(v)}`)
                .join(', ')})`,
              `checkpoints in ${r.outDir}`,
            ].join('\n'),
        );
      });
  },
};
