/**
 * A cheaper gradient for `FusedBatchNorm` (same maths as tfjs-core's): tfjs-core tiles rsqrt(var) to the
 * full activation shape before multiplying, which costs a full-size Tile per BN layer (slow on wasm). Here
 * per-channel factors broadcast instead, and the reductions run before the per-channel multiplies.
 * Registered for every backend (the result is identical up to float rounding).
 */
import type * as tfType from '@tensorflow/tfjs';

export function registerBatchNormGrad(tf: typeof tfType): void {
  tf.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const dyT = dy as tfType.Tensor;
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved as [
        tfType.Tensor,
        tfType.Tensor,
        tfType.Tensor,
        tfType.Tensor | undefined,
      ];
      const scaleValue = scale == null ? tf.scalar(1) : scale;
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const perChannel = mean.rank === 1;
      const reduce = (t: tfType.Tensor) => (perChannel ? tf.sum(t, axes) : t);
      const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
      const xMinusMean = tf.sub(x, mean);
      // Computed once here (each returned closure runs in its own tidy, so it cannot be memoised there).
      const dyXm = reduce(tf.mul(dyT, xMinusMean));
      const sumDyXm = () => dyXm;
      return {
        x: () => tf.mul(dyT, tf.mul(rstd, scaleValue)),
        mean: () => tf.reshape(tf.mul(reduce(dyT), tf.neg(tf.mul(rstd, scaleValue))), mean.shape),
        variance: () => {
          const minusHalfRCube = tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.scalar(-0.5));
          return tf.reshape(tf.mul(sumDyXm(), tf.mul(minusHalfRCube, scaleValue)), mean.shape);
        },
        scale: () => tf.reshape(tf.mul(sumDyXm(), rstd), mean.shape),
        offset: () => tf.reshape(reduce(dyT), mean.shape),
      };
    },
  });
}
