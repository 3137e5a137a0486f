/**
 * Which scheduled training jobs are due (pure; docs/hub.md#scheduled-jobs). In: the config's schedules, the sites
 * the hub knows (for `sites: "all"`), each run's last creation time and whether the job it created is still queued
 * or running, and the time. Out: the runs to create now — one per schedule, or one per site of a per-site schedule
 * — keyed `<name>` or `<name>/<site>`. A run is due when it never ran or `everyHours` have passed since it last
 * created a job, and never while its previous job is still waiting or running (jobs do not pile up). A schedule of
 * recalibrations without sites is refused at start-up (CXR_ERR_HUB_CONFIG): a recalibration is for one site.
 */
import { CxrError } from '../../models/errors.ts';
import type { HubConfig } from '../config.ts';

export type Schedule = HubConfig['training']['schedules'][number];

export interface LastRun {
  atMs: number;
  /** The job it created is still queued or running. */
  active: boolean;
}

export interface DueRun {
  key: string;
  schedule: Schedule;
  site: string | null;
}

export function checkSchedules(schedules: readonly Schedule[]): void {
  const names = new Set<string>();
  for (const s of schedules) {
    if (names.has(s.name)) throw new CxrError('CXR_ERR_HUB_CONFIG', `training.schedules: "${s.name}" twice`);
    names.add(s.name);
    if (s.kind === 'recalibrate' && s.sites === undefined) {
      throw new CxrError('CXR_ERR_HUB_CONFIG', `training.schedules "${s.name}": a recalibration needs "sites"`);
    }
  }
}

export function dueRuns(
  schedules: readonly Schedule[],
  knownSites: readonly string[],
  lastRuns: ReadonlyMap<string, LastRun>,
  nowMs: number,
): DueRun[] {
  const due: DueRun[] = [];
  for (const schedule of schedules) {
    const sites =
      schedule.sites === undefined ? [null] : schedule.sites === 'all' ? [...knownSites].sort() : schedule.sites;
    for (const site of sites) {
      const key = site === null ? schedule.name : `${schedule.name}/${site}`;
      const last = lastRuns.get(key);
      if (last?.active) continue;
      if (last && nowMs - last.atMs < schedule.everyHours * 3_600_000) continue;
      due.push({ key, schedule, site });
    }
  }
  return due;
}
