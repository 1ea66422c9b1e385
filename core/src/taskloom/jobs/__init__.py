"""Jobs: the processes that run DAGs -- the scheduler loop, backfills and the task runner."""
