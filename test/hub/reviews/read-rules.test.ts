import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agreesWithAi, aiDecisions, checkRead, isNormalRead } from '../../../hub/reviews/read-rules.ts';

const model = { findingClasses: ['Lung Opacity', 'No Lung Opacity / Not Normal'], normalClass: 'Normal' };
const both = { 'Lung Opacity': 'present', 'No Lung Opacity / Not Normal': 'absent' } as const;

describe('read rules', () => {
  it('refuses an empty read as incomplete, naming every undecided finding', () => {
    const problem = checkRead(model, { decisions: {}, impression: '' });
    assert.equal(problem?.code, 'CXR_ERR_HUB_READ_INCOMPLETE');
    assert.deepEqual(problem?.classes, model.findingClasses);
  });

  it('refuses a read with one finding undecided', () => {
    const problem = checkRead(model, { decisions: { 'Lung Opacity': 'present' }, impression: 'RLL opacity' });
    assert.equal(problem?.code, 'CXR_ERR_HUB_READ_INCOMPLETE');
    assert.deepEqual(problem?.classes, ['No Lung Opacity / Not Normal']);
  });

  it('needs an impression', () => {
    assert.equal(checkRead(model, { decisions: both, impression: '  ' })?.code, 'CXR_ERR_HUB_READ_INCOMPLETE');
    assert.equal(checkRead(model, { decisions: both, impression: 'x'.repeat(4001) })?.code, 'CXR_ERR_HUB_READ_INVALID');
  });

  it('accepts explicit decisions for every finding with an impression', () => {
    assert.equal(checkRead(model, { decisions: both, impression: 'Right lower lobe opacity.' }), null);
  });

  it('refuses "Normal" as a finding and classes the model does not have', () => {
    const normal = checkRead(model, { decisions: { ...both, Normal: 'present' }, impression: 'x' });
    assert.equal(normal?.code, 'CXR_ERR_HUB_READ_INVALID');
    assert.match(normal?.message ?? '', /not a finding/);
    assert.equal(
      checkRead(model, { decisions: { ...both, Effusion: 'absent' }, impression: 'x' })?.code,
      'CXR_ERR_HUB_READ_INVALID',
    );
    const odd = checkRead(model, { decisions: { ...both, 'Lung Opacity': 'confirm' as never }, impression: 'x' });
    assert.equal(odd?.code, 'CXR_ERR_HUB_READ_INVALID');
  });

  it('refuses a normal read with a finding present', () => {
    const problem = checkRead(model, { decisions: both, impression: 'Normal.', normal: true });
    assert.equal(problem?.code, 'CXR_ERR_HUB_READ_INCONSISTENT');
    assert.deepEqual(problem?.classes, ['Lung Opacity']);
    const allAbsent = aiDecisions(model, []);
    assert.equal(checkRead(model, { decisions: allAbsent, impression: 'Normal.', normal: true }), null);
    assert.ok(isNormalRead(model, allAbsent));
  });

  it('agreeing with the AI makes the AI findings present and every other finding absent', () => {
    const decisions = aiDecisions(model, ['Lung Opacity']);
    assert.deepEqual(decisions, both);
    assert.ok(agreesWithAi(model, decisions, ['Lung Opacity']));
    assert.ok(!agreesWithAi(model, decisions, []));
    assert.ok(!agreesWithAi(model, { 'Lung Opacity': 'present' }, ['Lung Opacity']));
  });
});
