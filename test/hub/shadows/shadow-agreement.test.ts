/** Live shadow agreement (pure): a film agrees when every decided class matches; per site and overall; when to stop. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { agreementOf, agreesWithRead, type ReadFilm, shouldStop } from '../../../hub/shadows/shadow-agreement.ts';

const film = (site: string, production: string[], candidate: string[], present: string[]): ReadFilm => ({
  site,
  productionVersion: '1.0.0',
  production,
  candidate,
  decisions: Object.fromEntries(['Effusion', 'Nodule'].map((c) => [c, present.includes(c) ? 'present' : 'absent'])),
});

it('agrees only when every decided class is called exactly when present; undecided classes do not count', () => {
  const decisions = { Effusion: 'present', Nodule: 'absent' } as const;
  assert.equal(agreesWithRead(['Effusion'], decisions), true);
  assert.equal(agreesWithRead(['Effusion', 'Cardiomegaly'], decisions), true, 'a class the reader did not decide');
  assert.equal(agreesWithRead(['Effusion', 'Nodule'], decisions), false);
  assert.equal(agreesWithRead([], decisions), false);
});

it('counts per site and overall on the same films, and stops only past minReads with the candidate behind', () => {
  const read = [
    film('a', ['Effusion'], ['Effusion'], ['Effusion']),
    film('a', [], ['Nodule'], []),
    film('b', ['Nodule'], [], []),
  ];
  const agreement = agreementOf(
    ['a', 'b', 'c'],
    new Map([
      ['a', 5],
      ['b', 1],
    ]),
    read,
  );
  assert.deepEqual(agreement.overall, {
    films: 6,
    reads: 3,
    production: { agreed: 2, rate: 2 / 3 },
    candidate: { agreed: 2, rate: 2 / 3 },
  });
  assert.deepEqual(
    agreement.sites.map((s) => [s.site, s.films, s.reads, s.production.agreed, s.candidate.agreed, s.candidate.rate]),
    [
      ['a', 5, 2, 2, 1, 0.5],
      ['b', 1, 1, 0, 1, 1],
      ['c', 0, 0, 0, 0, null],
    ],
  );
  assert.deepEqual(shouldStop(agreement, 3), { stop: false }, 'a tie is not worse');
  const behind = agreementOf(['a'], new Map([['a', 2]]), [film('a', [], ['Nodule'], []), film('a', [], [], [])]);
  assert.deepEqual(shouldStop(behind, 3), { stop: false }, 'too few reads');
  const stop = shouldStop(behind, 2);
  assert.equal(stop.stop, true);
  assert.match(stop.stop ? stop.reason : '', /agreed with radiologists on 1 of 2 read films, production on 2/);
});
