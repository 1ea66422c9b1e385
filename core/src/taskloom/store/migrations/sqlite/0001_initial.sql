-- taskloom metadata DB, schema version 1.
-- Timestamps are ISO 8601 strings in UTC ("2026-01-01T00:00:00+00:00"), so they sort as text.

CREATE TABLE connection (
    conn_id     TEXT PRIMARY KEY,
    conn_type   TEXT NOT NULL,
    description TEXT,
    host        TEXT,
    schema      TEXT,
    login       TEXT,
    password    TEXT,
    port        INTEGER,
    extra       TEXT
);

CREATE TABLE variable (
    key         TEXT PRIMARY KEY,
    val         TEXT,
    description TEXT
);

CREATE TABLE dag (
    dag_id      TEXT PRIMARY KEY,
    fileloc     TEXT,
    is_paused   INTEGER NOT NULL DEFAULT 0,
    last_parsed TEXT
);

CREATE TABLE dag_run (
    id                  INTEGER PRIMARY KEY,
    dag_id              TEXT NOT NULL,
    run_id              TEXT NOT NULL,
    logical_date        TEXT NOT NULL,
    data_interval_start TEXT,
    data_interval_end   TEXT,
    run_type            TEXT NOT NULL,
    state               TEXT NOT NULL,
    conf                TEXT,
    external_trigger    INTEGER NOT NULL DEFAULT 0,
    start_date          TEXT,
    end_date            TEXT,
    UNIQUE (dag_id, run_id)
);
CREATE INDEX dag_run_state ON dag_run (state, dag_id);
CREATE INDEX dag_run_logical_date ON dag_run (dag_id, logical_date);

CREATE TABLE task_instance (
    dag_id                   TEXT NOT NULL,
    run_id                   TEXT NOT NULL,
    task_id                  TEXT NOT NULL,
    state                    TEXT,
    try_number               INTEGER NOT NULL DEFAULT 0,
    max_tries                INTEGER NOT NULL DEFAULT 0,
    start_date               TEXT,
    end_date                 TEXT,
    duration                 REAL,
    next_try_at              TEXT,
    first_attempt_started_at TEXT,
    hostname                 TEXT,
    pid                      INTEGER,
    PRIMARY KEY (dag_id, run_id, task_id),
    FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
CREATE INDEX task_instance_state ON task_instance (state);

CREATE TABLE xcom (
    dag_id    TEXT NOT NULL,
    run_id    TEXT NOT NULL,
    task_id   TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT,
    timestamp TEXT NOT NULL,
    PRIMARY KEY (dag_id, run_id, task_id, key),
    FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
