"""The one table of taskloom 1.x import paths and where each object lives now.

Everything about the 1.x layout is driven by :data:`MOVES`: the shim modules that
``taskloom-compat`` ships, their deprecation warnings, the errors raised when compat or
a provider is missing, ``taskloom compat check|fix``, and the table in compat's README.

Core keeps the table (not compat) so that, *without* compat installed, importing an old
path still fails with an error that says it is a 1.x path and how to migrate
(:mod:`taskloom.legacy.finder`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from typing import NamedTuple

#: Release in which the 1.x paths were deprecated, and the one that removes them.
DEPRECATED_IN: Final = "2.0"
REMOVED_IN: Final = "3.0"
COMPAT_DISTRIBUTION: Final = "taskloom-compat"


class Move(NamedTuple):
    """One 1.x name and its new home.

    A named tuple, like the provider metadata types, rather than a frozen dataclass: the
    first 1.x import loads this table, and a dataclass's generated methods cost 0.5 ms there.
    """

    #: Dotted 1.x path of the object, e.g. ``taskloom.hooks.postgres_hook.PostgresHook``.
    old: str
    #: Dotted path of the same object now.
    new: str
    #: Distribution that provides the new home (``taskloom`` for core).
    distribution: str = "taskloom"
    #: Keyword arguments renamed on the way, ``((old, new), ...)``: ``(("sqlite_conn_id", "conn_id"),)``.
    renamed_args: tuple[tuple[str, str], ...] = ()

    @property
    def old_module(self) -> str:
        return self.old.rpartition(".")[0]

    @property
    def old_name(self) -> str:
        return self.old.rpartition(".")[2]

    @property
    def new_module(self) -> str:
        return self.new.rpartition(".")[0]

    @property
    def new_name(self) -> str:
        return self.new.rpartition(".")[2]

    @property
    def install_hint(self) -> str:
        """How to get the distribution of the new home."""
        if self.distribution == "taskloom":
            return "it is part of core"
        extra = self.distribution.removeprefix("taskloom-provider-")
        return f'pip install {self.distribution}  (or: pip install "taskloom[{extra}]")'


def _provider(pid: str) -> str:
    return f"taskloom-provider-{pid}"


MOVES: Final[tuple[Move, ...]] = (
    # --- core hooks
    Move("taskloom.hooks.base_hook.BaseHook", "taskloom.hooks.base.BaseHook"),
    Move("taskloom.hooks.dbapi_hook.DbApiHook", "taskloom.hooks.dbapi.DbApiHook"),
    Move("taskloom.hooks.http_hook.HttpHook", "taskloom.hooks.http.HttpHook"),
    Move("taskloom.hooks.sqlite_hook.SqliteHook", "taskloom.hooks.sqlite.SqliteHook"),
    # --- core operators and sensors
    Move(
        "taskloom.operators.dummy_operator.DummyOperator", "taskloom.operators.empty.EmptyOperator"
    ),
    Move(
        "taskloom.operators.python_operator.PythonOperator",
        "taskloom.operators.python.PythonOperator",
    ),
    Move(
        "taskloom.operators.python_operator.BranchPythonOperator",
        "taskloom.operators.python.BranchPythonOperator",
    ),
    Move(
        "taskloom.operators.python_operator.ShortCircuitOperator",
        "taskloom.operators.python.ShortCircuitOperator",
    ),
    Move(
        "taskloom.operators.latest_only_operator.LatestOnlyOperator",
        "taskloom.operators.latest_only.LatestOnlyOperator",
    ),
    Move(
        "taskloom.operators.http_operator.SimpleHttpOperator",
        "taskloom.operators.http.HttpOperator",
    ),
    Move("taskloom.sensors.http_sensor.HttpSensor", "taskloom.sensors.http.HttpSensor"),
    Move(
        "taskloom.operators.sqlite_operator.SqliteOperator",
        "taskloom.operators.sql.SQLExecuteQueryOperator",
        renamed_args=(("sqlite_conn_id", "conn_id"),),
    ),
    Move(
        "taskloom.sensors.base_sensor_operator.BaseSensorOperator",
        "taskloom.sensors.base.BaseSensorOperator",
    ),
    Move("taskloom.operators.bash_operator.BashOperator", "taskloom.operators.bash.BashOperator"),
    Move(
        "taskloom.operators.branch_operator.BaseBranchOperator",
        "taskloom.operators.branch.BaseBranchOperator",
    ),
    Move(
        "taskloom.operators.python_operator.PythonVirtualenvOperator",
        "taskloom.operators.python_virtualenv.PythonVirtualenvOperator",
    ),
    Move(
        "taskloom.operators.dagrun_operator.TriggerDagRunOperator",
        "taskloom.operators.trigger_dagrun.TriggerDagRunOperator",
        renamed_args=(("execution_date", "logical_date"),),
    ),
    Move(
        "taskloom.operators.check_operator.CheckOperator", "taskloom.operators.sql.SQLCheckOperator"
    ),
    Move(
        "taskloom.operators.check_operator.ValueCheckOperator",
        "taskloom.operators.sql.SQLValueCheckOperator",
    ),
    Move(
        "taskloom.operators.check_operator.IntervalCheckOperator",
        "taskloom.operators.sql.SQLIntervalCheckOperator",
    ),
    Move(
        "taskloom.operators.subdag_operator.SubDagOperator",
        "taskloom.operators.subdag.SubDagOperator",
    ),
    Move("taskloom.sensors.sql_sensor.SqlSensor", "taskloom.sensors.sql.SqlSensor"),
    Move(
        "taskloom.sensors.time_delta_sensor.TimeDeltaSensor",
        "taskloom.sensors.time_delta.TimeDeltaSensor",
    ),
    Move(
        "taskloom.sensors.date_time_sensor.DateTimeSensor",
        "taskloom.sensors.date_time.DateTimeSensor",
    ),
    Move(
        "taskloom.sensors.external_task_sensor.ExternalTaskSensor",
        "taskloom.sensors.external_task.ExternalTaskSensor",
    ),
    Move(
        "taskloom.sensors.external_task_sensor.ExternalTaskMarker",
        "taskloom.sensors.external_task.ExternalTaskMarker",
    ),
    Move(
        "taskloom.sensors.weekday_sensor.DayOfWeekSensor",
        "taskloom.sensors.weekday.DayOfWeekSensor",
    ),
    Move(
        "taskloom.contrib.sensors.file_sensor.FileSensor", "taskloom.sensors.filesystem.FileSensor"
    ),
    Move(
        "taskloom.contrib.sensors.python_sensor.PythonSensor",
        "taskloom.sensors.python.PythonSensor",
    ),
    Move("taskloom.contrib.sensors.bash_sensor.BashSensor", "taskloom.sensors.bash.BashSensor"),
    # --- models, exceptions and utilities (1.x names of core objects)
    Move("taskloom.models.DAG", "taskloom.models.dag.DAG"),
    Move("taskloom.models.BaseOperator", "taskloom.models.baseoperator.BaseOperator"),
    Move("taskloom.models.Variable", "taskloom.models.variable.Variable"),
    Move("taskloom.models.Connection", "taskloom.models.connection.Connection"),
    Move("taskloom.models.TaskInstance", "taskloom.models.taskinstance.TaskInstance"),
    Move("taskloom.models.DagRun", "taskloom.models.dagrun.DagRun"),
    Move("taskloom.models.XCom", "taskloom.models.xcom.XCom"),
    Move("taskloom.models.Pool", "taskloom.models.pool.Pool"),
    Move("taskloom.exceptions.TaskloomException", "taskloom.exceptions.TaskloomError"),
    Move("taskloom.exceptions.TaskloomNotFoundException", "taskloom.exceptions.NotFoundError"),
    Move("taskloom.utils.state.State", "taskloom.utils.state.TaskInstanceState"),
    # --- postgres
    Move(
        "taskloom.hooks.postgres_hook.PostgresHook",
        "taskloom.providers.postgres.hooks.postgres.PostgresHook",
        _provider("postgres"),
    ),
    Move(
        "taskloom.operators.postgres_operator.PostgresOperator",
        "taskloom.providers.postgres.operators.postgres.PostgresOperator",
        _provider("postgres"),
    ),
    # --- amazon
    Move(
        "taskloom.hooks.S3_hook.S3Hook",
        "taskloom.providers.amazon.hooks.s3.S3Hook",
        _provider("amazon"),
    ),
    Move(
        "taskloom.contrib.hooks.aws_hook.AwsHook",
        "taskloom.providers.amazon.hooks.base_aws.AwsBaseHook",
        _provider("amazon"),
    ),
    Move(
        "taskloom.sensors.s3_key_sensor.S3KeySensor",
        "taskloom.providers.amazon.sensors.s3.S3KeySensor",
        _provider("amazon"),
    ),
    # --- redis
    Move(
        "taskloom.contrib.hooks.redis_hook.RedisHook",
        "taskloom.providers.redis.hooks.redis.RedisHook",
        _provider("redis"),
    ),
    Move(
        "taskloom.contrib.sensors.redis_key_sensor.RedisKeySensor",
        "taskloom.providers.redis.sensors.redis_key.RedisKeySensor",
        _provider("redis"),
    ),
    Move(
        "taskloom.contrib.operators.redis_publish_operator.RedisPublishOperator",
        "taskloom.providers.redis.operators.redis_publish.RedisPublishOperator",
        _provider("redis"),
    ),
    # --- slack
    Move(
        "taskloom.contrib.hooks.slack_webhook_hook.SlackWebhookHook",
        "taskloom.providers.slack.hooks.slack_webhook.SlackWebhookHook",
        _provider("slack"),
    ),
    Move(
        "taskloom.contrib.operators.slack_webhook_operator.SlackWebhookOperator",
        "taskloom.providers.slack.operators.slack_webhook.SlackWebhookOperator",
        _provider("slack"),
        renamed_args=(("http_conn_id", "slack_webhook_conn_id"),),
    ),
    Move(
        "taskloom.operators.slack_operator.SlackAPIPostOperator",
        "taskloom.providers.slack.operators.slack.SlackAPIPostOperator",
        _provider("slack"),
    ),
    # --- smtp
    Move(
        "taskloom.operators.email_operator.EmailOperator",
        "taskloom.providers.smtp.operators.smtp.EmailOperator",
        _provider("smtp"),
    ),
    Move(
        "taskloom.utils.email.send_email_smtp",
        "taskloom.providers.smtp.utils.email.send_email",
        _provider("smtp"),
    ),
)


@functools.cache
def moves_by_module() -> Mapping[str, Mapping[str, Move]]:
    """``{old module: {old name: Move}}``."""
    table: dict[str, dict[str, Move]] = {}
    for move in MOVES:
        table.setdefault(move.old_module, {})[move.old_name] = move
    return MappingProxyType({k: MappingProxyType(v) for k, v in table.items()})


def migration_advice(moves: Mapping[str, Move] | tuple[Move, ...]) -> str:
    """What to do about 1.x paths while taskloom-compat is not installed."""
    items = moves.values() if isinstance(moves, Mapping) else moves
    news = "; ".join(f"{m.old_name} -> from {m.new_module} import {m.new_name}" for m in items)
    return (
        f"Import the new path instead ({news}), rewrite your DAG files with "
        f"`taskloom compat fix PATH` (pip install {COMPAT_DISTRIBUTION}), or install "
        f"{COMPAT_DISTRIBUTION} to keep the old path working until {REMOVED_IN}."
    )
