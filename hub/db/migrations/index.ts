/** Every migration in order; a database's schema version is how many of them it has applied. */
import { resultsAndAccounts } from './0001-results-and-accounts.ts';
import { registryAndRollouts } from './0002-registry-and-rollouts.ts';
import { leases } from './0003-leases.ts';
import { reportOutbox } from './0004-report-outbox.ts';
import { triageReadsClaims } from './0005-triage-reads-claims.ts';
import { diagnosticImages } from './0006-diagnostic-images.ts';
import { training } from './0007-training.ts';
import { resultDeid } from './0008-result-deid.ts';
import { shadows } from './0009-shadows.ts';
import { driftAndSchedules } from './0010-drift-and-schedules.ts';
import { scoreDouble } from './0011-score-double.ts';
import type { Migration } from './migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  resultsAndAccounts,
  registryAndRollouts,
  leases,
  reportOutbox,
  triageReadsClaims,
  diagnosticImages,
  training,
  resultDeid,
  shadows,
  driftAndSchedules,
  scoreDouble,
];
