/**
 * Migration 6: diagnostic images (hub/images/, docs/viewing.md). `images` holds one row per stored file
 * (content-addressed by sha256, on disk under `<dataDir>/images/`); `result_images` links a result to the
 * image its agent announced, with the agent that sent it and the image's description (JSON: size, bits,
 * rescale, default window, spacing). A link whose sha256 has no `images` row is an upload in progress.
 * `results_patient` serves the priors API (a patient's studies by pseudonymous key, in time order).
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

export const diagnosticImages: Migration = {
  name: 'diagnostic-images',
  sqlite: `
  CREATE TABLE images (
    sha256 TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    stored_ms INTEGER NOT NULL
  );
  CREATE INDEX images_stored ON images (stored_ms);
  CREATE TABLE result_images (
    result_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    image TEXT NOT NULL,
    announced_ms INTEGER NOT NULL
  );
  CREATE INDEX result_images_sha ON result_images (sha256);
  CREATE INDEX results_patient ON results (site, patient_key, arrived_ms) WHERE patient_key IS NOT NULL;
  `,
  postgres: `
  CREATE TABLE images (
    sha256 ${T} PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    stored_ms BIGINT NOT NULL
  );
  CREATE INDEX images_stored ON images (stored_ms);
  CREATE TABLE result_images (
    result_id ${T} PRIMARY KEY,
    sha256 ${T} NOT NULL,
    site ${T} NOT NULL,
    agent ${T} NOT NULL,
    image ${T} NOT NULL,
    announced_ms BIGINT NOT NULL
  );
  CREATE INDEX result_images_sha ON result_images (sha256);
  CREATE INDEX results_patient ON results (site, patient_key, arrived_ms) WHERE patient_key IS NOT NULL;
  `,
};
