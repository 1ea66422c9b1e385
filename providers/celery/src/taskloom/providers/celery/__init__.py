"""taskloom-provider-celery: run taskloom tasks on Celery workers.

Select it with ``[core] executor = celery`` (``TASKLOOM__CORE__EXECUTOR=celery``); start
workers with ``taskloom celery worker``. See the README for settings and queues.
"""
