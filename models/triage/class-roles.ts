/**
 * What each of a model's classes means for triage (pure). In: the manifest's classes, thresholds and optional
 * `triage` section. Out: a resolved `TriageRoles` (the normal class, the finding classes, screening and urgent
 * operating points per finding). Bad input (a role naming a class the model does not have, a class that is both
 * normal and a finding) throws CXR_ERR_PACKAGE_MANIFEST_INVALID.
 *
 * Legacy reading (manifests written before the `triage` section, e.g. baseline 2.0.0): a class named exactly
 * "Normal" is the normal class, every other class is a finding, and no class has an urgent operating point
 * (docs/model-package.md#triage).
 */
import { CxrError } from '../errors.ts';
import type { Manifest } from '../package/manifest.ts';

export interface FindingRole {
  name: string;
  /** Screening operating point: at or above it the finding is called (flagged). */
  threshold: number;
  /** High-specificity operating point: at or above it the study is urgent. */
  urgentThreshold?: number;
}

export interface TriageRoles {
  normal?: { name: string; threshold: number };
  findings: FindingRole[];
}

export type RolesSource = Pick<Manifest, 'classes' | 'thresholds' | 'triage'>;

export const LEGACY_NORMAL_CLASS = 'Normal';

function invalid(message: string): CxrError {
  return new CxrError('CXR_ERR_PACKAGE_MANIFEST_INVALID', `manifest.json triage: ${message}`);
}

/** Resolves the roles of a manifest's classes, with `thresholds` overriding the manifest's (site calibration). */
export function triageRoles(
  source: RolesSource,
  thresholds: RolesSource['thresholds'] = source.thresholds,
): TriageRoles {
  const { classes } = source;
  const normalName = source.triage ? source.triage.normalClass : classes.find((c) => c === LEGACY_NORMAL_CLASS);
  const findingNames = source.triage ? source.triage.findingClasses : classes.filter((c) => c !== normalName);
  for (const name of [...findingNames, ...(normalName === undefined ? [] : [normalName])]) {
    if (!classes.includes(name)) throw invalid(`"${name}" is not one of the model's classes`);
    if (thresholds[name] === undefined) throw invalid(`no threshold for "${name}"`);
  }
  if (normalName !== undefined && findingNames.includes(normalName)) {
    throw invalid(`"${normalName}" cannot be both the normal class and a finding`);
  }
  if (findingNames.length === 0) throw invalid('no finding classes');
  const urgent = source.triage?.urgent ?? {};
  for (const name of Object.keys(urgent)) {
    if (!findingNames.includes(name)) throw invalid(`urgent operating point for "${name}", which is not a finding`);
  }
  return {
    ...(normalName === undefined
      ? {}
      : { normal: { name: normalName, threshold: (thresholds[normalName] as { threshold: number }).threshold } }),
    findings: findingNames.map((name) => {
      const urgentThreshold = urgent[name]?.threshold;
      return {
        name,
        threshold: (thresholds[name] as { threshold: number }).threshold,
        ...(urgentThreshold === undefined ? {} : { urgentThreshold }),
      };
    }),
  };
}
