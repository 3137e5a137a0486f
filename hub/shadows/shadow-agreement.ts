/**
 * Live shadow agreement with radiologists (pure; docs/rollout.md "Live shadow"). In: read films — production's
 * findings, the candidate's findings on the same film and the radiologist's explicit decision per finding class —
 * and how many films the candidate scored per site. Out: per site and overall, how many read films each model agrees
 * with: a model agrees on a film when, for every class the radiologist decided, it called the finding exactly when
 * the radiologist marked it present. Both models are counted on the same films. `shouldStop` says when the shadow
 * ends on its own: at least `minReads` read films and the candidate agreeing on fewer of them than production.
 */

export interface ReadFilm {
  site: string;
  productionVersion: string;
  production: readonly string[];
  candidate: readonly string[];
  decisions: Readonly<Record<string, 'present' | 'absent'>>;
}

export interface ModelAgreement {
  agreed: number;
  /** agreed / reads; null without reads. */
  rate: number | null;
}

export interface AgreementRow {
  /** Films the candidate scored (with or without a read). */
  films: number;
  reads: number;
  production: ModelAgreement;
  candidate: ModelAgreement;
}

export interface Agreement {
  overall: AgreementRow;
  sites: (AgreementRow & { site: string })[];
  /** The production versions the read films were scored with. */
  productionVersions: string[];
}

export function agreesWithRead(findings: readonly string[], decisions: ReadFilm['decisions']): boolean {
  return Object.entries(decisions).every(([cls, decision]) => findings.includes(cls) === (decision === 'present'));
}

function row(films: number, read: readonly ReadFilm[]): AgreementRow {
  const count = (pick: (f: ReadFilm) => readonly string[]): ModelAgreement => {
    const agreed = read.filter((f) => agreesWithRead(pick(f), f.decisions)).length;
    return { agreed, rate: read.length === 0 ? null : agreed / read.length };
  };
  return { films, reads: read.length, production: count((f) => f.production), candidate: count((f) => f.candidate) };
}

export function agreementOf(sites: readonly string[], scored: ReadonlyMap<string, number>, read: readonly ReadFilm[]) {
  const total = sites.reduce((sum, site) => sum + (scored.get(site) ?? 0), 0);
  return {
    overall: row(total, read),
    sites: sites.map((site) => ({
      site,
      ...row(
        scored.get(site) ?? 0,
        read.filter((f) => f.site === site),
      ),
    })),
    productionVersions: [...new Set(read.map((f) => f.productionVersion))].sort(),
  } satisfies Agreement;
}

export function shouldStop(agreement: Agreement, minReads: number): { stop: false } | { stop: true; reason: string } {
  const { reads, production, candidate } = agreement.overall;
  if (reads < minReads || candidate.agreed >= production.agreed) return { stop: false };
  return {
    stop: true,
    reason:
      `the candidate agreed with radiologists on ${candidate.agreed} of ${reads} read films, ` +
      `production on ${production.agreed} (minimum ${minReads} read films)`,
  };
}
