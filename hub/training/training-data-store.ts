/**
 * Training data for the trainer (docs/hub.md#training-data): signed reads, the latest version of each study's read
 * only (an addendum wins over the original), with the radiologist's explicit decision per finding class, the
 * pseudonymous patient key the trainer splits by (the image key when the agent sent none: then each image is its
 * own patient), the model that scored it and its probabilities, and where its pixels are — the stored diagnostic
 * image when the site sends it, else the de-identified preview. Paged by read id (ascending). Never PHI: the hub
 * holds none.
 */
import type { HubDb } from '../db/database.ts';

export type Decision = 'present' | 'absent';

export interface TrainingRead {
  /** Cursor: the read's id (a later addendum has a larger one). */
  readId: number;
  resultId: string;
  site: string;
  patientKey: string;
  modelVersion: string;
  classes: string[];
  probabilities: Record<string, number>;
  readVersion: number;
  signedAt: string;
  normal: boolean;
  decisions: Record<string, Decision>;
  pixels: { kind: 'diagnostic' | 'preview'; sha256: string; mime: string } | null;
}

export interface TrainingReadsQuery {
  site?: string;
  /** Only reads with a larger id. */
  after?: number;
  limit: number;
}

export interface TrainingDataStore {
  reads(query: TrainingReadsQuery): Promise<TrainingRead[]>;
  /** Where one study's pixels are, by result id (the same choice as in `reads`). */
  pixelsOf(resultId: string): Promise<TrainingRead['pixels'] | undefined>;
}

export function createTrainingDataStore(db: HubDb): TrainingDataStore {
  const base = () =>
    db.kysely
      .selectFrom('reads as rd')
      .innerJoin('results as r', 'r.id', 'rd.result_row')
      .leftJoin('result_images as ri', 'ri.result_id', 'r.result_id')
      .leftJoin('images as i', 'i.sha256', 'ri.sha256')
      .where(({ eb, selectFrom }) =>
        eb(
          'rd.id',
          'in',
          selectFrom('reads')
            .select(({ fn }) => fn.max('id').as('id'))
            .groupBy('result_row'),
        ),
      )
      .select([
        'rd.id as read_id',
        'rd.version',
        'rd.signed_at',
        'rd.normal',
        'rd.decisions',
        'r.result_id',
        'r.site',
        'r.patient_key',
        'r.image_key',
        'r.model_version',
        'r.classes',
        'r.probabilities',
        'r.preview_sha256',
        'r.preview_mime',
        'i.sha256 as diagnostic_sha256',
      ]);
  type Row = Awaited<ReturnType<ReturnType<typeof base>['execute']>>[number];
  const pixels = (row: Row): TrainingRead['pixels'] =>
    row.diagnostic_sha256
      ? { kind: 'diagnostic', sha256: row.diagnostic_sha256, mime: 'image/png' }
      : row.preview_sha256
        ? { kind: 'preview', sha256: row.preview_sha256, mime: row.preview_mime ?? 'image/jpeg' }
        : null;
  return {
    async reads(query) {
      let q = base();
      if (query.site !== undefined) q = q.where('r.site', '=', query.site);
      if (query.after !== undefined) q = q.where('rd.id', '>', query.after);
      const rows = await q.orderBy('rd.id').limit(query.limit).execute();
      return rows.map((row) => ({
        readId: Number(row.read_id),
        resultId: row.result_id,
        site: row.site,
        patientKey: row.patient_key ?? row.image_key,
        modelVersion: row.model_version,
        classes: JSON.parse(row.classes) as string[],
        probabilities: JSON.parse(row.probabilities) as Record<string, number>,
        readVersion: row.version,
        signedAt: row.signed_at,
        normal: row.normal === 1,
        decisions: JSON.parse(row.decisions) as Record<string, Decision>,
        pixels: pixels(row),
      }));
    },
    async pixelsOf(resultId) {
      const row = await base().where('r.result_id', '=', resultId).executeTakeFirst();
      return row ? pixels(row) : undefined;
    },
  };
}
