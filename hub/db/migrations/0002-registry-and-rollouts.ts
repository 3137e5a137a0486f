/**
 * Migration 2 (model rollout, docs/rollout.md): the model registry and its aliases, rollouts with one row
 * per assigned agent, pins, the last `model/desired` published per agent, and the hub's own secrets.
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

export const registryAndRollouts: Migration = {
  name: 'registry-and-rollouts',
  sqlite: `
  CREATE TABLE hub_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE models (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    classes TEXT NOT NULL,
    metrics TEXT NOT NULL,
    macs REAL NOT NULL,
    params REAL NOT NULL,
    publisher_key_id TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
  );

  CREATE TABLE model_aliases (
    alias TEXT PRIMARY KEY,
    version TEXT NOT NULL REFERENCES models(version),
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE rollouts (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    version TEXT NOT NULL REFERENCES models(version),
    target TEXT NOT NULL,
    targets TEXT NOT NULL,
    waves TEXT NOT NULL,
    wait_s REAL NOT NULL,
    abort_failure_fraction REAL NOT NULL,
    shadow INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'aborted', 'rolled-back')),
    reason TEXT,
    waves_issued INTEGER NOT NULL DEFAULT 0,
    wave_done_ms INTEGER,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX rollouts_status ON rollouts (status);

  CREATE TABLE rollout_agents (
    rollout_id TEXT NOT NULL REFERENCES rollouts(id),
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    wave INTEGER NOT NULL,
    previous_version TEXT,
    state TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT 'target' CHECK (phase IN ('target', 'revert')),
    revert_version TEXT,
    revert_state TEXT,
    active_version TEXT,
    code TEXT,
    reason TEXT,
    bytes INTEGER,
    total_bytes INTEGER,
    agreement REAL,
    issued_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (rollout_id, site, agent)
  );
  CREATE INDEX rollout_agents_agent ON rollout_agents (site, agent);

  CREATE TABLE pins (
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    version TEXT NOT NULL REFERENCES models(version),
    pinned_by TEXT NOT NULL,
    pinned_at TEXT NOT NULL,
    PRIMARY KEY (site, agent)
  );

  CREATE TABLE desired (
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    version TEXT NOT NULL,
    rollout_id TEXT,
    payload TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (site, agent)
  );
  `,
  postgres: `
  CREATE TABLE hub_secrets (
    name ${T} PRIMARY KEY,
    value ${T} NOT NULL,
    created_at ${T} NOT NULL
  );

  CREATE TABLE models (
    version ${T} PRIMARY KEY,
    name ${T} NOT NULL,
    sha256 ${T} NOT NULL,
    model_sha256 ${T} NOT NULL,
    size_bytes BIGINT NOT NULL,
    classes ${T} NOT NULL,
    metrics ${T} NOT NULL,
    macs DOUBLE PRECISION NOT NULL,
    params DOUBLE PRECISION NOT NULL,
    publisher_key_id ${T} NOT NULL,
    published_by ${T} NOT NULL,
    published_at ${T} NOT NULL
  );

  CREATE TABLE model_aliases (
    alias ${T} PRIMARY KEY,
    version ${T} NOT NULL REFERENCES models(version),
    updated_by ${T} NOT NULL,
    updated_at ${T} NOT NULL
  );

  CREATE TABLE rollouts (
    id ${T} PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    version ${T} NOT NULL REFERENCES models(version),
    target ${T} NOT NULL,
    targets ${T} NOT NULL,
    waves ${T} NOT NULL,
    wait_s DOUBLE PRECISION NOT NULL,
    abort_failure_fraction DOUBLE PRECISION NOT NULL,
    shadow INTEGER NOT NULL,
    status ${T} NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'aborted', 'rolled-back')),
    reason ${T},
    waves_issued INTEGER NOT NULL DEFAULT 0,
    wave_done_ms BIGINT,
    created_by ${T} NOT NULL,
    created_at ${T} NOT NULL,
    updated_at ${T} NOT NULL
  );
  CREATE INDEX rollouts_status ON rollouts (status);

  CREATE TABLE rollout_agents (
    rollout_id ${T} NOT NULL REFERENCES rollouts(id),
    site ${T} NOT NULL,
    agent ${T} NOT NULL,
    wave INTEGER NOT NULL,
    previous_version ${T},
    state ${T} NOT NULL,
    phase ${T} NOT NULL DEFAULT 'target' CHECK (phase IN ('target', 'revert')),
    revert_version ${T},
    revert_state ${T},
    active_version ${T},
    code ${T},
    reason ${T},
    bytes BIGINT,
    total_bytes BIGINT,
    agreement DOUBLE PRECISION,
    issued_at ${T} NOT NULL,
    updated_at ${T} NOT NULL,
    PRIMARY KEY (rollout_id, site, agent)
  );
  CREATE INDEX rollout_agents_agent ON rollout_agents (site, agent);

  CREATE TABLE pins (
    site ${T} NOT NULL,
    agent ${T} NOT NULL,
    version ${T} NOT NULL REFERENCES models(version),
    pinned_by ${T} NOT NULL,
    pinned_at ${T} NOT NULL,
    PRIMARY KEY (site, agent)
  );

  CREATE TABLE desired (
    site ${T} NOT NULL,
    agent ${T} NOT NULL,
    version ${T} NOT NULL,
    rollout_id ${T},
    payload ${T} NOT NULL,
    published_at ${T} NOT NULL,
    PRIMARY KEY (site, agent)
  );
  `,
};
