/**
 * The hub's SQLite schema (one migration list; `PRAGMA user_version` says how many ran).
 * Worklist order is `rank ASC, scored_ms ASC, id ASC` (rank = 9 - flagged-class count, so flagged
 * studies come first, then the oldest waiting): the covering indexes below let a keyset page seek
 * straight to its cursor, so the first and the millionth page cost the same.
 *
 * Migration 2 (model rollout, docs/rollout.md): the model registry and its aliases, rollouts with one row
 * per assigned agent, pins, the last `model/desired` published per agent, and the hub's own secrets.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    result_id TEXT NOT NULL UNIQUE,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    image_key TEXT NOT NULL,
    study_key TEXT,
    patient_key TEXT,
    received_at TEXT NOT NULL,
    scored_at TEXT NOT NULL,
    scored_ms INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    model_name TEXT NOT NULL,
    model_version TEXT NOT NULL,
    runtime TEXT NOT NULL,
    rank INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    max_probability REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'reviewed')),
    classes TEXT NOT NULL,
    probabilities TEXT NOT NULL,
    flags TEXT NOT NULL,
    timings TEXT NOT NULL,
    image TEXT NOT NULL,
    preview_sha256 TEXT,
    preview_mime TEXT,
    heatmap_sha256 TEXT,
    heatmap_mime TEXT
  );
  CREATE INDEX results_worklist ON results (status, rank, scored_ms, id);
  CREATE INDEX results_site_worklist ON results (site, status, rank, scored_ms, id);
  CREATE INDEX results_all ON results (rank, scored_ms, id);
  CREATE INDEX results_site_day ON results (site, scored_ms);

  CREATE TABLE result_flags (
    result_row INTEGER NOT NULL REFERENCES results(id),
    class TEXT NOT NULL,
    PRIMARY KEY (class, result_row)
  ) WITHOUT ROWID;

  CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    result_row INTEGER NOT NULL REFERENCES results(id),
    reviewer TEXT NOT NULL,
    at TEXT NOT NULL,
    report TEXT NOT NULL,
    decisions TEXT NOT NULL
  );
  CREATE INDEX reviews_result ON reviews (result_row, id);

  CREATE TABLE review_labels (
    review_id INTEGER NOT NULL REFERENCES reviews(id),
    result_row INTEGER NOT NULL,
    class TEXT NOT NULL,
    ai_flag INTEGER NOT NULL,
    label INTEGER NOT NULL,
    PRIMARY KEY (review_id, class)
  ) WITHOUT ROWID;

  CREATE TABLE agents (
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    online INTEGER NOT NULL DEFAULT 0,
    last_seen TEXT,
    status TEXT,
    model_state TEXT,
    results INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site, agent)
  );

  CREATE TABLE agent_credentials (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('radiologist', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    csrf TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
  );

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    before TEXT,
    after TEXT
  );
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `,
  `
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
];
