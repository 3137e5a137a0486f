import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../../trainer/data/random.ts';
import {
  applyLinear,
  composeLinear,
  fitLogistic,
  fitWhitening,
  meanSquare,
  quantile,
} from '../../../trainer/gate/gate-math.ts';

const rng = mulberry32(3);
const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

test('whitening gives mean(z^2) near 1 on its own data and large values far away', () => {
  const rows = Array.from({ length: 400 }, () => {
    const a = normal();
    return Float32Array.of(a, 2 * a + 0.3 * normal(), 5 + normal(), 0.1 * normal());
  });
  const w = fitWhitening(rows, 0.01);
  const d = rows.map((r) => meanSquare(applyLinear(w, r)));
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  assert.ok(mean > 0.6 && mean <= 1.01, `mean(z^2) ${mean}`);
  // off the correlation (a, -2a): far although each coordinate alone is ordinary
  assert.ok(meanSquare(applyLinear(w, Float32Array.of(1, -2, 5, 0))) > 20);
});

test('logistic regression separates two clouds; its map works on raw features', () => {
  const pos = Array.from({ length: 100 }, () => Float32Array.of(2 + normal(), 10 * normal()));
  const neg = Array.from({ length: 60 }, () => Float32Array.of(-2 + normal(), 10 * normal()));
  const head = fitLogistic(pos, neg);
  const p = (f: Float32Array) => 1 / (1 + Math.exp(-applyLinear(head, f)[0]!));
  assert.ok(p(Float32Array.of(3, 0)) > 0.9);
  assert.ok(p(Float32Array.of(-3, 0)) < 0.1);
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
});

test('two dense maps compose into one that computes the same', () => {
  const first = {
    weight: Float32Array.of(1, 2, 0, -1, 3, 0.5),
    bias: Float32Array.of(0.5, -1),
    inFeatures: 3,
    units: 2,
  };
  const second = { weight: Float32Array.of(2, -1), bias: Float32Array.of(0.25), inFeatures: 2, units: 1 };
  const both = composeLinear(first, second);
  const x = Float32Array.of(0.3, -1.2, 2);
  assert.ok(Math.abs(applyLinear(both, x)[0]! - applyLinear(second, applyLinear(first, x))[0]!) < 1e-6);
  assert.throws(() => composeLinear(second, first), /do not chain/);
});

test('fitted on whitened features, the head finds a class difference that strongly correlated features hide', () => {
  // two features that move together (a CNN's pooled features do); the classes differ only in their small difference
  const cloud = (shift: number, n: number) =>
    Array.from({ length: n }, () => {
      const a = 10 * normal();
      return Float32Array.of(a + 0.3 * normal(), a + shift + 0.3 * normal());
    });
  const pos = cloud(1, 300);
  const neg = cloud(-1, 300);
  const accuracy = (head: ReturnType<typeof fitLogistic>) =>
    (pos.filter((f) => applyLinear(head, f)[0]! > 0).length + neg.filter((f) => applyLinear(head, f)[0]! < 0).length) /
    600;
  const w = fitWhitening(pos);
  const white = (rows: Float32Array[]) => rows.map((r) => Float32Array.from(applyLinear(w, r)));
  const whitened = accuracy(composeLinear(w, fitLogistic(white(pos), white(neg))));
  const raw = accuracy(fitLogistic(pos, neg));
  assert.ok(whitened > 0.95, `whitened ${whitened}`);
  assert.ok(whitened > raw, `whitened ${whitened} vs raw ${raw}`);
});
