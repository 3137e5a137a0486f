/**
 * Drift per site and ISO week (docs/hub.md#drift). In: the drift store, the registry's reference histograms, the
 * thresholds, the clock. Out: `report(weeks)` — every site's weeks judged by drift-policy.ts, newest first, with its
 * stored state —; `evaluate()` — each site's state from its newest judged week, stored, and one log line per
 * transition (site, week, reasons and figures: no PHI), run by the background jobs' timer on the replica holding
 * the lease —; `metricsText()` — the stored states as Prometheus gauges; `recordStatus` — an agent's quarantined
 * count for the week, from its status message.
 */
import type { Logger } from 'pino';
import type { ReferenceScores } from '../../models/triage/score-histogram.ts';
import type { StatusMessage } from '../../protocol/messages.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import {
  type DriftThresholds,
  evaluateWeek,
  refusalsOf,
  siteState,
  transitionOf,
  type WeekDrift,
} from './drift-policy.ts';
import type { DriftStore, StoredDriftState } from './drift-store.ts';
import { isoWeekOf, recentWeeks, weekBounds } from './iso-week.ts';

export interface DriftMonitorDeps {
  store: DriftStore;
  models: Pick<ModelsStore, 'get'>;
  thresholds: DriftThresholds;
  now: () => Date;
  log: Logger;
}

export interface SiteDriftReport {
  site: string;
  state: StoredDriftState | null;
  weeks: WeekDrift[];
}

const label = (v: string) => v.replace(/["\\\n]/g, '_');

export function createDriftMonitor(deps: DriftMonitorDeps) {
  const { store, thresholds, log } = deps;
  const references = new Map<string, ReferenceScores | null>();
  const referenceOf = async (version: string) => {
    if (!references.has(version)) references.set(version, (await deps.models.get(version))?.referenceScores ?? null);
    return references.get(version) ?? null;
  };

  /** Every site's weeks, newest first. */
  async function judge(count: number): Promise<Map<string, WeekDrift[]>> {
    const weeks = recentWeeks(deps.now().getTime(), count);
    const refusals = await store.refusals(weeks[0] as string);
    const bySite = new Map<string, WeekDrift[]>();
    for (const week of weeks) {
      const { startMs, endMs } = weekBounds(week);
      const [scores, reads] = await Promise.all([store.scores(startMs, endMs), store.reads(startMs, endMs)]);
      const sites = new Set([...scores.map((s) => s.site), ...reads.keys(), ...refusals.map((r) => r.site)]);
      for (const site of sites) {
        const mine = scores.filter((s) => s.site === site);
        const total = (c: number[]) => c.reduce((a, b) => a + b, 0);
        const main = [...mine].sort((a, b) => total(b.counts) - total(a.counts))[0];
        const drift = evaluateWeek(
          {
            site,
            week,
            results: mine.reduce((n, s) => n + total(s.counts), 0),
            reads: reads.get(site) ?? { total: 0, agreed: 0 },
            scores: main
              ? {
                  modelVersion: main.modelVersion,
                  counts: main.counts,
                  reference: await referenceOf(main.modelVersion),
                }
              : null,
            refused: refusalsOf(
              refusals.filter((r) => r.site === site),
              week,
            ),
          },
          thresholds,
        );
        bySite.set(site, [...(bySite.get(site) ?? []), drift]);
      }
    }
    return bySite;
  }

  return {
    /** Each site's state as last stored by `evaluate`. */
    states: () => store.states(),

    async report(weeks: number): Promise<SiteDriftReport[]> {
      const [judged, states] = await Promise.all([judge(weeks), store.states()]);
      const sites = [...new Set([...judged.keys(), ...states.map((s) => s.site)])].sort();
      return sites.map((site) => ({
        site,
        state: states.find((s) => s.site === site) ?? null,
        weeks: judged.get(site) ?? [],
      }));
    },

    /** Judges the current and previous week of every site; stores each state; logs transitions. */
    async evaluate(): Promise<StoredDriftState[]> {
      const judged = await judge(2);
      const before = new Map((await store.states()).map((s) => [s.site, s]));
      const at = deps.now().toISOString();
      const out: StoredDriftState[] = [];
      for (const [site, weeks] of judged) {
        const latest = siteState(weeks);
        if (!latest) continue;
        const previous = before.get(site);
        const transition = transitionOf(previous, latest);
        const state: StoredDriftState = {
          site,
          drifting: latest.drifting,
          week: latest.week,
          reasons: latest.reasons,
          figures: {
            agreement: latest.agreement.rate,
            psi: latest.scores?.psi ?? null,
            refusedRate: latest.refused.rate,
          },
          since: transition || !previous ? at : previous.since,
          updatedAt: at,
        };
        await store.putState(state);
        if (transition === 'started')
          log.warn({ site, week: state.week, reasons: state.reasons, ...state.figures }, 'site drifting');
        else if (transition === 'ended')
          log.info({ site, week: state.week, ...state.figures }, 'site no longer drifting');
        out.push(state);
      }
      return out;
    },

    async metricsText(): Promise<string> {
      const states = await store.states();
      const lines = [
        '# HELP cxr_hub_site_drifting 1 while the site drifts (docs/hub.md#drift), from its newest judged week.',
        '# TYPE cxr_hub_site_drifting gauge',
        ...states.map((s) => `cxr_hub_site_drifting{site="${label(s.site)}"} ${s.drifting ? 1 : 0}`),
      ];
      const gauge = (name: string, help: string, pick: (s: StoredDriftState) => number | null) => {
        const known = states.filter((s) => pick(s) !== null);
        if (known.length === 0) return;
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
        for (const s of known) lines.push(`${name}{site="${label(s.site)}"} ${pick(s)}`);
      };
      gauge('cxr_hub_site_ai_agreement', 'AI-vs-radiologist agreement in the judged week.', (s) => s.figures.agreement);
      gauge(
        'cxr_hub_site_score_psi',
        'PSI of the scores in the judged week against the model reference.',
        (s) => s.figures.psi,
      );
      gauge(
        'cxr_hub_site_refused_rate',
        'Share of the inputs the agents refused in the judged week.',
        (s) => s.figures.refusedRate,
      );
      return `${lines.join('\n')}\n`;
    },

    async recordStatus(status: StatusMessage): Promise<void> {
      if (status.quarantined === undefined) return;
      await store.recordQuarantined(status.site, status.agent, isoWeekOf(deps.now().getTime()), status.quarantined);
    },
  };
}

export type DriftMonitor = ReturnType<typeof createDriftMonitor>;
