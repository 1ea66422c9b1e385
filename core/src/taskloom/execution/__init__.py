"""What runs one task: the workload, the task runner, the task context and the worker entry point.

Below both the scheduler (:mod:`taskloom.jobs`) and the executors
(:mod:`taskloom.executors`), so that they, ``tasks run`` and ``dags test`` run a task the
same way without reaching into each other.
"""
