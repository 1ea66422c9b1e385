"""SQL operators that run on any provider's :class:`~taskloom.hooks.dbapi.DbApiHook`.

The connection's conn_type picks the hook (through the provider registry), so the same
operator runs SQL on SQLite, PostgreSQL, DuckDB... -- whatever provider is installed::

    SQLExecuteQueryOperator(
        task_id="load",
        conn_id="warehouse",
        sql="sql/load_day.sql",              # a .sql file next to the DAG, rendered with Jinja
        parameters={"day": "{{ ds }}"},
    )
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import time
from decimal import Decimal
from typing import Any

from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import SQLCheckError
from taskloom.hooks.base import BaseHook
from taskloom.hooks.dbapi import DbApiHook
from taskloom.hooks.dbapi import fetch_all_handler
from taskloom.hooks.dbapi import split_sql_string
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context

__all__ = [
    "BaseSQLOperator",
    "BranchSQLOperator",
    "SQLCheckOperator",
    "SQLExecuteQueryOperator",
    "SQLIntervalCheckOperator",
    "SQLThresholdCheckOperator",
    "SQLValueCheckOperator",
]


class BaseSQLOperator(BaseOperator):
    """Base of operators that run SQL through the hook of a connection.

    :param conn_id: the connection; its conn_type must resolve to a ``DbApiHook``.
    :param database: the database (schema) to use instead of the connection's.
    :param hook_params: extra keyword arguments for the hook's constructor.
    """

    template_fields: Sequence[str] = ("conn_id", "database", "hook_params")

    def __init__(
        self,
        *,
        conn_id: str,
        database: str | None = None,
        hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.database = database
        self.hook_params = dict(hook_params or {})

    def get_db_hook(self) -> DbApiHook:
        """Build the SQL hook of :attr:`conn_id` (with :attr:`database` as its schema).

        :raises InvalidConnectionError: if the connection's hook is not a SQL hook.
        """
        params = dict(self.hook_params)
        if self.database:
            params["schema"] = self.database
        hook = BaseHook.get_hook(self.conn_id, **params)
        if not isinstance(hook, DbApiHook):
            raise InvalidConnectionError(
                f"its hook {type(hook).__name__} (conn_type {hook.conn_type!r}) does not run SQL; "
                f"give task {self.task_id!r} the connection of a SQL database",
                conn_id=self.conn_id,
            )
        return hook


class SQLExecuteQueryOperator(BaseSQLOperator):
    """Run SQL and push its result as XCom.

    :param sql: a statement, a script, a list of statements, or the name of a ``.sql``
        file (searched beside the DAG file and in its ``template_searchpath``); all are
        Jinja templates.
    :param parameters: bound to every statement (templated).
    :param autocommit: commit each statement by itself instead of one transaction.
    :param handler: turns the cursor into a result (default: all rows).
    :param output_processor: ``f(results, descriptions)`` turning the results into the
        XCom value (default: the results).
    :param split_statements: split a string on ``;``; default: split when it holds
        more than one statement.
    :param return_last: with a split script, push only the last statement's result.
    :param show_return_value_in_logs: log the result (it may be large).
    """

    template_fields: Sequence[str] = ("sql", "parameters", *BaseSQLOperator.template_fields)
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "parameters": "json"}

    def __init__(
        self,
        *,
        sql: str | list[str],
        autocommit: bool = False,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        handler: Callable[[Any], Any] = fetch_all_handler,
        output_processor: Callable[[Any, list[Any]], Any] | None = None,
        split_statements: bool | None = None,
        return_last: bool = True,
        show_return_value_in_logs: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self.output_processor = output_processor
        self.split_statements = split_statements
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: Context) -> Any:
        """Run :attr:`sql`; return the (processed) result when ``do_xcom_push``."""
        log = self.task_log(context)
        hook = self.get_db_hook()
        split = self.split_statements
        if split is None:
            split = isinstance(self.sql, str) and len(split_sql_string(self.sql)) > 1
        log.info("running SQL on connection %r", self.conn_id)
        output = hook.run(
            sql=self.sql,
            autocommit=self.autocommit,
            parameters=self.parameters,
            handler=self.handler if self.do_xcom_push else None,
            split_statements=split,
            return_last=self.return_last,
        )
        if not self.do_xcom_push:
            return None
        if self.output_processor is not None:
            output = self.output_processor(output, hook.descriptions)
        if self.show_return_value_in_logs:
            log.info("result: %s", output)
        return output


class SQLCheckOperator(BaseSQLOperator):
    """Fail unless the first row of a query has only truthy values.

    Typical checks return counts or booleans: ``SELECT count(*) > 0 FROM t WHERE ds =
    '{{ ds }}'``.  A row with a 0, ``False``, ``NULL`` or empty value, or no row at
    all, fails the task with :class:`~taskloom.exceptions.SQLCheckError`.

    :param sql: the query (templated; may name a ``.sql`` file).
    :param parameters: bound to the query.
    """

    template_fields: Sequence[str] = ("sql", "parameters", *BaseSQLOperator.template_fields)
    template_ext: Sequence[str] = (".sql",)
    ui_color = "#fff7e6"

    def __init__(
        self,
        *,
        sql: str,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.parameters = parameters

    def execute(self, context: Context) -> Any:
        """Run the check; return the row when it passes."""
        record = self.get_db_hook().get_first(self.sql, self.parameters)
        if not record:
            raise SQLCheckError(
                f"check {self.task_id!r}: the query returned no row.\nQuery:\n{self.sql}"
            )
        if not all(record):
            raise SQLCheckError(
                f"check {self.task_id!r} failed: a value of the first row is false, 0, empty or NULL.\n"
                f"Query:\n{self.sql}\nRow: {record!r}"
            )
        self.task_log(context).info("check passed: %r", record)
        return [_plain(value) for value in record]


class SQLValueCheckOperator(BaseSQLOperator):
    """Fail unless every value of a query's first row equals ``pass_value``.

    Numbers are compared within a relative ``tolerance`` (0.1 = ±10 %); other values
    are compared as text.

    :param sql: the query (templated; may name a ``.sql`` file).
    :param pass_value: the expected value (templated).
    :param tolerance: the relative tolerance for numbers, e.g. ``0.05``.
    """

    template_fields: Sequence[str] = (
        "sql",
        "pass_value",
        "parameters",
        *BaseSQLOperator.template_fields,
    )
    template_ext: Sequence[str] = (".sql",)
    ui_color = "#fff7e6"

    def __init__(
        self,
        *,
        sql: str,
        pass_value: Any,
        tolerance: float | None = None,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if tolerance is not None and tolerance < 0:
            raise ValueError(f"task {self.task_id!r}: tolerance must be >= 0, got {tolerance}")
        self.sql = sql
        self.pass_value = pass_value
        self.tolerance = tolerance
        self.parameters = parameters

    def _matches(self, value: Any) -> bool:
        expected = _as_number(self.pass_value)
        actual = _as_number(value)
        if expected is None or actual is None:
            return str(value) == str(self.pass_value)
        if self.tolerance is None:
            return actual == expected
        return expected * (1 - self.tolerance) <= actual <= expected * (1 + self.tolerance) or (
            expected * (1 + self.tolerance) <= actual <= expected * (1 - self.tolerance)
        )

    def execute(self, context: Context) -> Any:
        """Run the check; return the row when it passes."""
        record = self.get_db_hook().get_first(self.sql, self.parameters)
        if not record:
            raise SQLCheckError(
                f"check {self.task_id!r}: the query returned no row.\nQuery:\n{self.sql}"
            )
        if not all(self._matches(value) for value in record):
            within = f" within ±{self.tolerance:.0%}" if self.tolerance is not None else ""
            raise SQLCheckError(
                f"check {self.task_id!r} failed: expected {self.pass_value!r}{within}, got {list(record)!r}.\n"
                f"Query:\n{self.sql}"
            )
        self.task_log(context).info("value check passed: %r", record)
        return [_plain(value) for value in record]


def _plain(value: Any) -> Any:
    """A check's row as XCom: ``Decimal`` (PostgreSQL ``NUMERIC``) as a number, dates as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


class SQLIntervalCheckOperator(BaseSQLOperator):
    """Fail when metrics of today's rows differ too much from those ``days_back`` days ago.

    Runs ``SELECT <metric>, ... FROM <table> WHERE <date_filter_column> = '<day>'`` for
    the run's ``ds`` and for ``ds + days_back``, and compares each metric with
    ``ratio_formula``: ``"max_over_min"`` (``max(a, b) / min(a, b)``) or
    ``"relative_diff"`` (``|a - b| / b``).  A ratio above the metric's threshold fails.

    :param metrics_thresholds: ``{"count(*)": 1.5, ...}``: SQL expression -> highest ratio.
    :param ignore_zero: a metric that is 0 on either day passes.
    """

    template_fields: Sequence[str] = ("table", *BaseSQLOperator.template_fields)
    ui_color = "#fff7e6"
    ratio_formulas: dict[str, Callable[[float, float], float]] = {
        "max_over_min": lambda cur, ref: max(cur, ref) / min(cur, ref),
        "relative_diff": lambda cur, ref: abs(cur - ref) / ref,
    }

    def __init__(
        self,
        *,
        table: str,
        metrics_thresholds: Mapping[str, float],
        date_filter_column: str = "ds",
        days_back: int = -7,
        ratio_formula: str = "max_over_min",
        ignore_zero: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if ratio_formula not in self.ratio_formulas:
            raise ValueError(
                f"task {self.task_id!r}: ratio_formula must be one of "
                f"{sorted(self.ratio_formulas)}, got {ratio_formula!r}"
            )
        if not metrics_thresholds:
            raise ValueError(f"task {self.task_id!r}: metrics_thresholds must not be empty")
        self.table = table
        self.metrics_thresholds = dict(metrics_thresholds)
        self.date_filter_column = date_filter_column
        self.days_back = -abs(days_back)
        self.ratio_formula = ratio_formula
        self.ignore_zero = ignore_zero

    def execute(self, context: Context) -> dict[str, float | None]:
        from taskloom.macros import ds_add

        metrics = list(self.metrics_thresholds)
        query = (
            f"SELECT {', '.join(metrics)} FROM {self.table} "
            f"WHERE {self.date_filter_column} = '{{day}}'"
        )
        hook = self.get_db_hook()
        current = hook.get_first(query.format(day=context["ds"]))
        reference = hook.get_first(query.format(day=ds_add(context["ds"], self.days_back)))
        if not current or not reference:
            raise SQLCheckError(
                f"check {self.task_id!r}: no row for {context['ds']} or {self.days_back} days before"
            )
        formula = self.ratio_formulas[self.ratio_formula]
        ratios: dict[str, float | None] = {}
        failed = []
        for metric, cur, ref in zip(metrics, current, reference, strict=True):
            cur_n, ref_n = float(cur or 0), float(ref or 0)
            if cur_n == 0 or ref_n == 0:
                ratio = None if self.ignore_zero else float("inf")
            else:
                ratio = formula(cur_n, ref_n)
            ratios[metric] = ratio
            if ratio is not None and ratio > self.metrics_thresholds[metric]:
                failed.append(
                    f"{metric}: {cur} vs {ref} (ratio {ratio:.3g} > {self.metrics_thresholds[metric]})"
                )
        if failed:
            raise SQLCheckError(f"check {self.task_id!r} failed: " + "; ".join(failed))
        self.task_log(context).info("interval check passed: %r", ratios)
        return ratios


class SQLThresholdCheckOperator(BaseSQLOperator):
    """Fail unless the first cell of ``sql`` lies within ``min_threshold``..``max_threshold``.

    Each threshold is a number or a SQL query whose first cell is the number.
    """

    template_fields: Sequence[str] = (
        "sql",
        "min_threshold",
        "max_threshold",
        *BaseSQLOperator.template_fields,
    )
    template_ext: Sequence[str] = (".sql",)
    ui_color = "#fff7e6"

    def __init__(
        self,
        *,
        sql: str,
        min_threshold: float | str,
        max_threshold: float | str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.min_threshold = min_threshold
        self.max_threshold = max_threshold

    def _threshold(self, hook: DbApiHook, value: float | str) -> float:
        number = _as_number(value)
        if number is not None:
            return number
        row = hook.get_first(str(value))
        return float(row[0])

    def execute(self, context: Context) -> float:
        hook = self.get_db_hook()
        row = hook.get_first(self.sql)
        if not row:
            raise SQLCheckError(
                f"check {self.task_id!r}: the query returned no row.\nQuery:\n{self.sql}"
            )
        result = float(row[0])
        low = self._threshold(hook, self.min_threshold)
        high = self._threshold(hook, self.max_threshold)
        if not low <= result <= high:
            raise SQLCheckError(
                f"check {self.task_id!r} failed: {result} is not within {low}..{high}.\nQuery:\n{self.sql}"
            )
        self.task_log(context).info("threshold check passed: %s within %s..%s", result, low, high)
        return result


_TRUE = frozenset({"true", "t", "y", "yes", "on", "1"})
_FALSE = frozenset({"false", "f", "n", "no", "off", "0", ""})


class BranchSQLOperator(BaseSQLOperator):
    """Follow ``follow_task_ids_if_true`` or ``..._if_false`` after the first cell of ``sql``
    (a boolean, a number, or text such as ``yes``/``no``); skip the other direct downstream
    tasks."""

    template_fields: Sequence[str] = ("sql", "parameters", *BaseSQLOperator.template_fields)
    template_ext: Sequence[str] = (".sql",)
    ui_color = "#a22034"

    def __init__(
        self,
        *,
        sql: str,
        follow_task_ids_if_true: str | Sequence[str],
        follow_task_ids_if_false: str | Sequence[str],
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.parameters = parameters
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false

    def execute(self, context: Context) -> Any:
        from taskloom.operators.branch import follow_branches

        row = self.get_db_hook().get_first(self.sql, self.parameters)
        if not row:
            raise SQLCheckError(f"branch {self.task_id!r}: the query returned no row")
        value = row[0]
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in _TRUE | _FALSE:
            outcome = value if isinstance(value, bool) else text in _TRUE
        elif _as_number(value) is not None:
            outcome = _as_number(value) != 0
        else:
            raise SQLCheckError(
                f"branch {self.task_id!r}: the query returned {value!r}; return a boolean, a "
                "number or true/false text"
            )
        branch = self.follow_task_ids_if_true if outcome else self.follow_task_ids_if_false
        follow_branches(self, context, branch)
        return branch
