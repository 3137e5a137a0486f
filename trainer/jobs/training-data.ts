/**
 * The hub's signed reads as training data (docs/trainer.md#trainer-service). Pure parts: a read's single label for
 * the model's classes (the first finding present in class order, else the normal class; a read without a label the
 * model knows is left out), and the patient-level hold-back (a seeded hash of the pseudonymous patient key, so one
 * patient is never on both sides and the same patients are held back at every attempt). I/O part: the pixels, pulled
 * once into `<workDir>/pixels/<sha256>` and checked against their sha256 (CXR_ERR_TRAINER_PIXELS_MISMATCH).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import type { HubRead, TrainerHubClient } from '../service/hub-client.ts';

export interface LabelledRead {
  read: HubRead;
  label: string;
}

export function labelOf(
  read: HubRead,
  classes: readonly string[],
  normalClass: string | undefined,
): string | undefined {
  const present = classes.find((c) => read.decisions[c] === 'present');
  if (present) return present;
  const decided = Object.keys(read.decisions).length > 0 && Object.values(read.decisions).every((d) => d === 'absent');
  return decided && normalClass && classes.includes(normalClass) ? normalClass : undefined;
}

/** Whether this patient is held back for evaluation: a stable share `fraction` of patients, by seeded hash. */
export function heldBack(patientKey: string, fraction: number, seed: number): boolean {
  const h = createHash('sha256').update(`${seed}|${patientKey}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < fraction;
}

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg' };

/** Local path of each read's pixels, pulling what the cache lacks. */
export async function pullPixels(
  hub: TrainerHubClient,
  reads: readonly HubRead[],
  cacheDir: string,
  onProgress?: (done: number) => void,
): Promise<Map<string, string>> {
  await mkdir(cacheDir, { recursive: true });
  const paths = new Map<string, string>();
  let done = 0;
  for (const read of reads) {
    if (!read.pixels) continue;
    const path = join(cacheDir, `${read.pixels.sha256}.${EXT[read.pixels.mime] ?? 'bin'}`);
    if (!existsSync(path)) {
      const bytes = await hub.pixels(read.resultId);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== read.pixels.sha256) {
        throw new CxrError(
          'CXR_ERR_TRAINER_PIXELS_MISMATCH',
          `pixels of ${read.resultId.slice(0, 12)}… have sha256 ${sha.slice(0, 12)}…`,
        );
      }
      await writeFile(`${path}.part`, bytes);
      await rename(`${path}.part`, path);
    }
    paths.set(read.resultId, path);
    onProgress?.(++done);
  }
  return paths;
}

/** A labels CSV (`file,label,patient_id,site`) as `cxr train prepare` and `cxr eval` read it. */
export function labelsCsv(rows: readonly { path: string; label: string; patientKey: string; site: string }[]): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `file,label,patient_id,site\n${rows.map((r) => [r.path, r.label, r.patientKey, r.site].map(quote).join(',')).join('\n')}\n`;
}
