/** A labelled image list, before and after splitting. Paths are absolute (resolved by the readers). */
export interface LabelledImage {
  path: string;
  /** Index into `classes`. */
  label: number;
  /** Images of one patient always land in one split; the file itself when the source has no patient ids. */
  patientId: string;
  /**
   * The hospital / source the image comes from: the labels CSV's `site` (or `source`) column, else the name of
   * the folder that holds the CSV (e.g. `nih`, `site-b-pediatric`). Splits and sampling are balanced per site.
   */
  site: string;
}

export interface LabelledSet {
  classes: string[];
  items: LabelledImage[];
  /** Where it came from: 'labels-csv' | 'rsna-2018' | 'class-folders'. */
  source: string;
}

export type SplitName = 'train' | 'val' | 'test';

export interface SplitSet {
  classes: string[];
  splits: Record<SplitName, LabelledImage[]>;
}

/** The seed's three classes (RSNA 2018 detailed class info), in the seed's order. */
export const SEED_CLASSES = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'] as const;
