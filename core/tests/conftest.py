"""Hygiene for every core test: a private TASKLOOM_HOME and no stray TASKLOOM_* settings.

The autouse fixture ``taskloom_home`` comes from the shared plugin every suite uses.
"""

pytest_plugins = ["taskloom_testing.home"]
