/**
 * Losses on probabilities (the model ends in sigmoid or softmax), clipped like Keras (eps 1e-7).
 * Sigmoid: multi-label BCE, as the seed (`torch.nn.BCELoss` on one-hot targets), with a per-class positive
 * weight (class weights). Softmax: categorical cross-entropy with per-class weights.
 */
import type * as tfType from '@tensorflow/tfjs';

const EPS = 1e-7;

export function weightedBce(
  tf: typeof tfType,
  y: tfType.Tensor2D,
  p: tfType.Tensor2D,
  posWeight: tfType.Tensor1D,
): tfType.Scalar {
  return tf.tidy(() => {
    const pc = tf.clipByValue(p, EPS, 1 - EPS);
    const pos = tf.mul(tf.mul(y, tf.log(pc)), posWeight);
    const neg = tf.mul(tf.sub(1, y), tf.log(tf.sub(1, pc)));
    return tf.neg(tf.mean(tf.add(pos, neg))) as tfType.Scalar;
  });
}

export function weightedCce(
  tf: typeof tfType,
  y: tfType.Tensor2D,
  p: tfType.Tensor2D,
  classWeight: tfType.Tensor1D,
): tfType.Scalar {
  return tf.tidy(() => {
    const pc = tf.clipByValue(p, EPS, 1 - EPS);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.mul(y, tf.log(pc)), classWeight), -1))) as tfType.Scalar;
  });
}

/**
 * Positive weight per class: negatives / positives in the training split, clamped to [1, maxWeight]
 * (a class with no positives gets 1: it cannot be learnt anyway).
 */
export function positiveWeights(labels: readonly number[], classes: number, maxWeight = 10): number[] {
  return Array.from({ length: classes }, (_, c) => {
    const pos = labels.filter((l) => l === c).length;
    if (pos === 0) return 1;
    return Math.min(maxWeight, Math.max(1, (labels.length - pos) / pos));
  });
}
