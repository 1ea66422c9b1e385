"""Jobs: the loops that drive DAG runs -- the scheduler and backfills (tasks themselves run through :mod:`taskloom.execution`)."""
