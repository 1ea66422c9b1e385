-- Schema version 3: schedulers that run side by side, pools, task heartbeats, queues and
-- a generic per-task state (issue 14).  postgresql/0003_store.sql is the same schema.

-- Every process that drives DAG runs (scheduler, backfill, `dags test`) is a job that
-- heartbeats; a run driven by a job whose heartbeat stopped is adopted by a live scheduler.
CREATE TABLE job (
    id               INTEGER PRIMARY KEY,
    job_type         TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    pid              INTEGER NOT NULL,
    state            TEXT NOT NULL,
    start_date       TEXT NOT NULL,
    end_date         TEXT,
    latest_heartbeat TEXT NOT NULL
);
CREATE INDEX job_state ON job (job_type, state);

ALTER TABLE dag_run DROP COLUMN owner;
ALTER TABLE dag_run ADD COLUMN job_id INTEGER;

-- Pools: slots shared by every scheduler; default_pool holds the tasks that name none.
CREATE TABLE slot_pool (
    pool        TEXT PRIMARY KEY,
    slots       INTEGER NOT NULL,
    description TEXT
);
INSERT INTO slot_pool (pool, slots, description) VALUES ('default_pool', 128, 'Default pool');

ALTER TABLE task_instance ADD COLUMN pool TEXT NOT NULL DEFAULT 'default_pool';
ALTER TABLE task_instance ADD COLUMN pool_slots INTEGER NOT NULL DEFAULT 1;
ALTER TABLE task_instance ADD COLUMN queue TEXT;
ALTER TABLE task_instance ADD COLUMN queued_at TEXT;
ALTER TABLE task_instance ADD COLUMN last_heartbeat TEXT;
CREATE INDEX task_instance_pool ON task_instance (pool, state);
CREATE INDEX task_instance_dag_state ON task_instance (dag_id, state);

-- State a task keeps between its runs (incremental reads), by (DAG, task, key).
CREATE TABLE task_state (
    dag_id     TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (dag_id, task_id, key)
);
-- taskloom-declarative 1.0 kept it in a table of its own, created on first use.
CREATE TABLE IF NOT EXISTS declarative_state (
    dag_id     TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    stream     TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (dag_id, task_id, stream)
);
INSERT INTO task_state (dag_id, task_id, key, value, updated_at)
    SELECT dag_id, task_id, 'stream:' || stream, state, updated_at FROM declarative_state;
DROP TABLE declarative_state;
