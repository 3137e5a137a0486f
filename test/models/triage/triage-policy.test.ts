import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RolesSource, triageRoles } from '../../../models/triage/class-roles.ts';
import { isFlagged, TIER_ORDER, type Tier, triage } from '../../../models/triage/triage-policy.ts';

const CLASSES = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
const threshold = (t: number) => ({ threshold: t, chosenOn: 'validation' });
const legacy: RolesSource = {
  classes: CLASSES,
  thresholds: {
    'Lung Opacity': threshold(0.2),
    Normal: threshold(0.28),
    'No Lung Opacity / Not Normal': threshold(0.5),
  },
};
const withUrgent: RolesSource = {
  ...legacy,
  triage: {
    normalClass: 'Normal',
    findingClasses: ['Lung Opacity', 'No Lung Opacity / Not Normal'],
    urgent: { 'Lung Opacity': threshold(0.8) },
  },
};
const probs = (lo: number, normal: number, other = 0.01) => ({
  'Lung Opacity': lo,
  Normal: normal,
  'No Lung Opacity / Not Normal': other,
});

describe('triage policy', () => {
  const roles = triageRoles(withUrgent);

  it('never calls "Normal" a finding: a confident normal film is likely-normal with no findings', () => {
    const t = triage(roles, probs(0.05, 0.95));
    assert.equal(t.tier, 'likely-normal');
    assert.deepEqual(t.findings, []);
    assert.equal(isFlagged(t.tier), false);
    assert.equal(t.score, 0.05);
  });

  it('calls a finding at its screening point abnormal, at its urgent point urgent', () => {
    assert.equal(triage(roles, probs(0.2, 0.5)).tier, 'abnormal');
    assert.deepEqual(triage(roles, probs(0.2, 0.5)).findings, ['Lung Opacity']);
    const urgent = triage(roles, probs(0.8, 0.1));
    assert.equal(urgent.tier, 'urgent');
    assert.deepEqual(urgent.urgentFindings, ['Lung Opacity']);
    assert.ok(isFlagged('urgent') && isFlagged('abnormal'));
  });

  it('is indeterminate when no finding is called but the normal class is below its operating point', () => {
    const t = triage(roles, probs(0.15, 0.2));
    assert.equal(t.tier, 'indeterminate');
  });

  it('scores by the highest finding probability, whatever the normal class says', () => {
    // The example: "Lung Opacity 63 % + Normal 28 %" must not outrank "Lung Opacity 97 %".
    const a = triage(roles, probs(0.63, 0.28));
    const b = triage(roles, probs(0.97, 0.01));
    assert.ok(TIER_ORDER[b.tier] < TIER_ORDER[a.tier] || (b.tier === a.tier && b.score > a.score));
    assert.equal(triage(roles, probs(0.3, 0.9, 0.6)).score, 0.6);
    assert.deepEqual(triage(roles, probs(0.3, 0.9, 0.6)).findings, ['No Lung Opacity / Not Normal', 'Lung Opacity']);
  });

  it('treats a missing or NaN probability as no evidence of normality', () => {
    const t = triage(roles, { 'Lung Opacity': Number.NaN, 'No Lung Opacity / Not Normal': 0.1 });
    assert.equal(t.tier, 'indeterminate');
    assert.equal(t.score, 0.1);
  });

  it('orders tiers urgent, abnormal, indeterminate, likely-normal', () => {
    const order = (Object.keys(TIER_ORDER) as Tier[]).sort((x, y) => TIER_ORDER[x] - TIER_ORDER[y]);
    assert.deepEqual(order, ['urgent', 'abnormal', 'indeterminate', 'likely-normal']);
  });

  it('ranks opacities above normals on a labelled sample far better than the old flag count', () => {
    // Probabilities shaped like the bundled baseline's on NIH films: opacities score higher on average, and
    // normal films are also "flagged Normal". The old order (number of flagged classes) ranked by flag count.
    const films = [
      ...[0.9, 0.7, 0.45, 0.3, 0.22].map((lo) => ({ opacity: true, p: probs(lo, 0.35) })),
      ...[0.25, 0.12, 0.08, 0.05, 0.03].map((lo) => ({ opacity: false, p: probs(lo, 0.85) })),
    ];
    const key = (p: Record<string, number>) => {
      const t = triage(roles, p);
      return TIER_ORDER[t.tier] * 10 - t.score;
    };
    const ranked = [...films].sort((x, y) => key(x.p) - key(y.p));
    let concordant = 0;
    let pairs = 0;
    ranked.forEach((a, i) => {
      for (const b of ranked.slice(i + 1)) {
        if (a.opacity !== b.opacity) {
          pairs++;
          if (a.opacity) concordant++;
        }
      }
    });
    assert.ok(concordant / pairs > 0.9, `rank AUROC ${concordant / pairs}`);
  });
});

describe('class roles', () => {
  it('reads a legacy manifest: "Normal" is the normal class, the rest are findings, none urgent', () => {
    const roles = triageRoles(legacy);
    assert.deepEqual(roles.normal, { name: 'Normal', threshold: 0.28 });
    assert.deepEqual(
      roles.findings.map((f) => f.name),
      ['Lung Opacity', 'No Lung Opacity / Not Normal'],
    );
    assert.ok(roles.findings.every((f) => f.urgentThreshold === undefined));
  });

  it('takes thresholds from a site calibration over the manifest', () => {
    const roles = triageRoles(withUrgent, { ...withUrgent.thresholds, 'Lung Opacity': threshold(0.4) });
    assert.equal(roles.findings[0]?.threshold, 0.4);
    assert.equal(roles.findings[0]?.urgentThreshold, 0.8);
  });

  it('refuses a triage section naming unknown classes or making Normal a finding', () => {
    const bad = (triageSpec: RolesSource['triage']) => () => triageRoles({ ...legacy, triage: triageSpec });
    assert.throws(bad({ findingClasses: ['Pneumothorax'] }), { code: 'CXR_ERR_PACKAGE_MANIFEST_INVALID' });
    assert.throws(bad({ normalClass: 'Normal', findingClasses: ['Normal'] }), {
      code: 'CXR_ERR_PACKAGE_MANIFEST_INVALID',
    });
    assert.throws(bad({ findingClasses: ['Lung Opacity'], urgent: { Normal: threshold(0.9) } }), {
      code: 'CXR_ERR_PACKAGE_MANIFEST_INVALID',
    });
  });

  it('needs no normal class', () => {
    const roles = triageRoles({ ...legacy, triage: { findingClasses: ['Lung Opacity'] } });
    assert.equal(roles.normal, undefined);
    assert.equal(triage(roles, probs(0.1, 0)).tier, 'likely-normal');
  });
});
