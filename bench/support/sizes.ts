/**
 * Sizes for capacity planning (bench/scale-out.ts, docs/scale-out.md sizing). In: a PostgreSQL URL, a folder,
 * the full-resolution sample films. Out: bytes — of every user table with its indexes and TOAST, of every file under a folder
 * (0 when it does not exist), and of the agent's default preview per sample film. Nothing is written.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import sharp from 'sharp';

/** The NIH films at their full 1024² (models/samples/nih holds 256² and 512² copies: too small for a preview). */
const FULL_RESOLUTION = fileURLToPath(new URL('../../models/samples/nih-fullres/', import.meta.url));
export const fullResolutionFilms = () =>
  readdirSync(FULL_RESOLUTION)
    .filter((f) => f.endsWith('.png'))
    .map((f) => join(FULL_RESOLUTION, f));

/** Every user table with its indexes and TOAST, in bytes. */
export async function databaseBytes(url: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const query = 'SELECT coalesce(sum(pg_total_relation_size(relid)), 0) AS n FROM pg_stat_user_tables';
    return Number((await db.query<{ n: string }>(query)).rows[0]!.n);
  } finally {
    await db.end();
  }
}

/** Bytes of every file under `dir` (0 when it does not exist). */
export function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

/** The agent's default preview (long side 1024 px, JPEG quality 85: agent/screening/render-images.ts) per film. */
export async function defaultPreviewBytes(): Promise<number> {
  const sizes = await Promise.all(
    fullResolutionFilms().map(
      async (path) =>
        (
          await sharp(path)
            .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
            .jpeg({ quality: 85 })
            .toBuffer()
        ).length,
    ),
  );
  return sizes.reduce((a, b) => a + b, 0) / sizes.length;
}
