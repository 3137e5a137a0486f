/**
 * Per-site balanced sampling for one training epoch (pure, seeded). In: the site of every training image, how
 * many samples the epoch draws and an Rng. Out: image indices, shuffled, with every site contributing an equal
 * share: a small site's images repeat (fresh shuffles back to back), a large site's are subsampled (a different
 * subset each epoch), so neither hospital dominates the gradient and the model cannot trade one site for the other.
 */
import { type Rng, shuffleInPlace } from './random.ts';

export function balancedEpoch(sites: readonly string[], samples: number, rng: Rng): number[] {
  const bySite = new Map<string, number[]>();
  sites.forEach((site, i) => {
    bySite.set(site, [...(bySite.get(site) ?? []), i]);
  });
  const names = [...bySite.keys()].sort();
  const order: number[] = [];
  names.forEach((name, k) => {
    // spread the remainder over the first sites so the total is exact
    const share = Math.floor(samples / names.length) + (k < samples % names.length ? 1 : 0);
    const pool = bySite.get(name)!;
    const picked: number[] = [];
    while (picked.length < share) picked.push(...shuffleInPlace([...pool], rng).slice(0, share - picked.length));
    order.push(...picked);
  });
  return shuffleInPlace(order, rng);
}
