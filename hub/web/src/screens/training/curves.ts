/**
 * Training curves as SVG path data (pure, unit-tested under node): loss and each class's validation AUROC per epoch,
 * scaled into a width × height box. Loss is scaled to its own maximum; AUROC to [0, 1]. A class with no defined
 * AUROC in an epoch has a gap there.
 */
export interface CurvePoint {
  epoch: number;
  loss: number;
  valAuroc: Record<string, number | null>;
}

export interface Curves {
  loss: string;
  auroc: { name: string; path: string }[];
}

export function curvePaths(points: readonly CurvePoint[], width: number, height: number): Curves {
  if (points.length === 0) return { loss: '', auroc: [] };
  const first = points[0]!.epoch;
  const last = points[points.length - 1]!.epoch;
  const x = (epoch: number) => (last === first ? width / 2 : ((epoch - first) / (last - first)) * width);
  const maxLoss = Math.max(...points.map((p) => p.loss), 1e-9);
  const y = (v: number) => height - v * height;
  const line = (values: (number | null)[]) => {
    let path = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${x(points[i]!.epoch).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return path;
  };
  const names = [...new Set(points.flatMap((p) => Object.keys(p.valAuroc)))].sort();
  return {
    loss: line(points.map((p) => p.loss / maxLoss)),
    auroc: names.map((name) => ({ name, path: line(points.map((p) => p.valAuroc[name] ?? null)) })),
  };
}
