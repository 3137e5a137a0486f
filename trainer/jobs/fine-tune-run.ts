/**
 * The run a fine-tune trains in (docs/trainer.md#trainer-service): a resumed one where a crash left it, else a copy
 * of the base model's training run with the selection reset (the base's best epoch was chosen on other validation
 * images) and the plan fixed — the first epoch of this fine-tune and the total — so a resumed job never counts its
 * own epochs as the base's. In: the base's run folder, the job's run folder, how many epochs to add. Out: the train
 * state to start from and the plan. A base without a run is CXR_ERR_TRAINER_NO_RUN. The copy is made beside the
 * target and renamed into place, so a crash mid-copy leaves nothing half made.
 */
import { existsSync } from 'node:fs';
import { cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import type { TrainState } from '../train/train-config.ts';

export interface FineTunePlan {
  firstEpoch: number;
  epochs: number;
}

export async function fineTuneRun(
  baseRunDir: string,
  runDir: string,
  extraEpochs: number,
  baseVersion: string,
): Promise<{ state: TrainState; plan: FineTunePlan }> {
  const statePath = join(runDir, 'train-state.json');
  const planPath = join(runDir, 'fine-tune.json');
  if (existsSync(statePath) && existsSync(planPath)) {
    return {
      state: JSON.parse(await readFile(statePath, 'utf8')) as TrainState,
      plan: JSON.parse(await readFile(planPath, 'utf8')) as FineTunePlan,
    };
  }
  if (!existsSync(join(baseRunDir, 'train-state.json'))) {
    throw new CxrError('CXR_ERR_TRAINER_NO_RUN', `no training run of ${baseVersion} on this trainer (config "runs")`);
  }
  const staging = `${runDir}.copy`;
  await rm(staging, { recursive: true, force: true });
  await rm(runDir, { recursive: true, force: true });
  await cp(baseRunDir, staging, { recursive: true });
  const state = JSON.parse(await readFile(join(staging, 'train-state.json'), 'utf8')) as TrainState;
  const fresh: TrainState = { ...state, bestEpoch: -1, bestValMeanAuroc: null, done: false };
  const plan: FineTunePlan = { firstEpoch: state.history.length, epochs: state.history.length + extraEpochs };
  await writeFile(join(staging, 'train-state.json'), `${JSON.stringify(fresh, null, 1)}\n`);
  await writeFile(join(staging, 'fine-tune.json'), `${JSON.stringify(plan)}\n`);
  await rename(staging, runDir);
  return { state: fresh, plan };
}
