import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../../trainer/data/random.ts';
import { balancedEpoch } from '../../../trainer/data/site-sampling.ts';

test('an epoch draws an equal share from each site: the small site repeats, the large one is subsampled', () => {
  const sites = [...Array(10).fill('small'), ...Array(90).fill('large')];
  const order = balancedEpoch(sites, 60, mulberry32(1));
  assert.equal(order.length, 60);
  const small = order.filter((i) => sites[i] === 'small');
  assert.equal(small.length, 30);
  assert.equal(new Set(small).size, 10, 'every small-site image is used');
  const large = order.filter((i) => sites[i] === 'large');
  assert.equal(new Set(large).size, 30, 'no large-site image twice');
  assert.deepEqual(balancedEpoch(sites, 60, mulberry32(1)), order);
  assert.notDeepEqual(balancedEpoch(sites, 60, mulberry32(2)), order);
  assert.equal(balancedEpoch(sites, 61, mulberry32(1)).length, 61);
});
