/**
 * `cxr search --cache <dir> --out <dir> [--macs-budget 300e6] [--latency-budget <ms>] [--rung-epochs 1,3]
 *  [--rung-images 200,1000000] [--eta 2] [--full-epochs 25] [--no-latency] [--json]`
 * Successive halving over compound-scaled DenseNets; prints the table (Markdown), Pareto front and pick.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import pino from 'pino';
import type { BackendPreference } from '../../trainer/backend/select-backend.ts';
import { readIndex, sitesOf } from '../../trainer/data/prepare-cache.ts';
import { runSearch } from '../../trainer/search/run-search.ts';
import { searchTableMarkdown } from '../../trainer/search/search-table.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface SearchCliOptions {
  cache: string;
  out: string;
  macsBudget: string;
  latencyBudget?: string;
  rungEpochs: string;
  rungImages: string;
  eta: string;
  fullEpochs: string;
  resolution: string;
  latency: boolean;
  backend: BackendPreference;
  grid?: string;
  camFromBlock: string;
  json?: boolean;
}

const list = (s: string) => s.split(',').map(Number);

export const searchCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('search')
      .description('hardware-aware successive-halving search over compound-scaled DenseNets')
      .requiredOption('--cache <dir>', 'prepared dataset (cxr train prepare)')
      .requiredOption('--out <dir>', 'output folder (one training folder per candidate, search.json, search.md)')
      .option('--macs-budget <n>', 'max MACs per image', '300e6')
      .option('--latency-budget <ms>', 'max median OpenVINO CPU latency per image')
      .option('--rung-epochs <list>', 'cumulative epochs per rung', '1,3')
      .option('--rung-images <list>', 'images drawn per epoch in each rung (equal share per site)', '200,1000000')
      .option('--cam-from-block <n>', 'multi-scale head of every candidate (0: off)', '2')
      .option('--eta <n>', 'keep 1/eta per rung', '2')
      .option('--full-epochs <n>', 'epochs of a full training (cost comparison)', '25')
      .option('--resolution <px>', 'base resolution gamma scales', '128')
      .option('--grid <json>', 'candidate list as JSON [{alpha, beta?, phi, gamma?, width?, stages?}, ...]')
      .option('--no-latency', 'skip the OpenVINO latency measurement')
      .addOption(
        new Option('--backend <name>', 'training backend')
          .choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
          .default('auto'),
      )
      .option('--json', 'print JSON')
      .action(async (o: SearchCliOptions) => {
        let markdown = '';
        await runCommand(
          o,
          async () => {
            const logger = pino({ name: 'cxr-search', level: 'info' }, pino.destination(2));
            const result = await runSearch({
              cacheDir: o.cache,
              outDir: o.out,
              macsBudget: Number(o.macsBudget),
              ...(o.latencyBudget ? { latencyBudgetMs: Number(o.latencyBudget) } : {}),
              rungEpochs: list(o.rungEpochs),
              rungImages: list(o.rungImages),
              eta: Number(o.eta),
              fullEpochs: Number(o.fullEpochs),
              baseResolution: Number(o.resolution),
              measureLatency: o.latency,
              ...(o.grid ? { grid: JSON.parse(o.grid) } : {}),
              backend: o.backend,
              camFromBlock: Number(o.camFromBlock),
              logger,
              onRow: (row) =>
                process.stderr.write(
                  `search: ${row.id} rung ${row.rung} val score ${row.score?.toFixed(3) ?? 'n/a'} ${JSON.stringify(row.valAurocBySite)}\n`,
                ),
            });
            const index = await readIndex(o.cache);
            markdown = searchTableMarkdown(result, index.classes, sitesOf(index));
            await writeFile(join(o.out, 'search.md'), `${markdown}\n`);
            return result;
          },
          (r) => `${markdown}\n\nPareto front: ${r.pareto.join(', ')}\npick: ${r.best ?? 'none'}`,
        );
      });
  },
};
