-- Schema version 2: who drives a DAG run and who runs a task instance, as host:pid:start
-- (taskloom.execution.liveness), so a scheduler resets only the work of processes known
-- to be dead and never runs a task instance twice.
ALTER TABLE dag_run ADD COLUMN owner TEXT;
ALTER TABLE task_instance ADD COLUMN owner TEXT;
