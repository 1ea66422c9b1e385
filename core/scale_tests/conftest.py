"""Load tests of schedulers side by side on a PostgreSQL metadata DB (issue 14).

They start several scheduler processes over thousands of task instances, so they are
kept out of ``tests/`` (which every core environment runs, on each Python) and run by the
``core-postgres`` environment, whose subject PostgreSQL is.
"""

pytest_plugins = ["taskloom_testing.home"]
