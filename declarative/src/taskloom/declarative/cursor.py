"""``DatetimeBasedCursor``: incremental reads by a datetime field, in slices of ``step``.

State is ``{"<cursor_field>": "<newest value seen>"}``, formatted with ``datetime_format``.
A read starts at the state's value (less ``lookback_window``) or at ``start_datetime``,
and ends at ``end_datetime`` (default: now).  The state only moves when the caller
commits it after a read that succeeded (see :mod:`taskloom.declarative.state`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from taskloom.declarative import dates
from taskloom.declarative.interpolation import Interpolator
from taskloom.declarative.request_options import RequestParts
from taskloom.declarative.request_options import option


class DatetimeCursor:
    """One stream's datetime cursor; :meth:`observe` records, :attr:`state` is the new state."""

    def __init__(
        self, spec: Mapping[str, Any], interpolator: Interpolator, context: Mapping[str, Any]
    ) -> None:
        self.interpolator = interpolator
        self.field = str(interpolator.eval(spec["cursor_field"], context))
        self.format: str = spec["datetime_format"]
        self.formats: list[str] = [*(spec.get("cursor_datetime_formats") or ()), self.format]
        self.start = self._bound(spec["start_datetime"], context)
        end = spec.get("end_datetime")
        self.end = self._bound(end, context) if end else dt.datetime.now(dt.UTC)
        self.step = dates.parse_duration(spec["step"]) if spec.get("step") else None
        granularity = spec.get("cursor_granularity")
        self.granularity = (
            dates.parse_duration(granularity).delta if granularity else dt.timedelta(0)
        )
        lookback = interpolator.eval_str(spec.get("lookback_window"), context)
        self.lookback = dates.parse_duration(lookback) if lookback else None
        self.start_option = option(spec.get("start_time_option"), interpolator)
        self.end_option = option(spec.get("end_time_option"), interpolator)
        self.start_key = spec.get("partition_field_start") or "start_time"
        self.end_key = spec.get("partition_field_end") or "end_time"
        self.client_side = bool(spec.get("is_client_side_incremental", False))
        self._newest: dt.datetime | None = None
        self._lower = self.start

    def _bound(self, value: Any, context: Mapping[str, Any]) -> dt.datetime:
        if isinstance(value, Mapping):  # MinMaxDatetime
            text = self.interpolator.eval_str(value["datetime"], context) or ""
            fmt = value.get("datetime_format")
            when = dates.parse(text, fmt) if fmt else dates.parse_any(text, self.formats)
            low = self.interpolator.eval_str(value.get("min_datetime"), context)
            high = self.interpolator.eval_str(value.get("max_datetime"), context)
            if low:
                when = max(when, dates.parse_any(low, [fmt] if fmt else self.formats))
            if high:
                when = min(when, dates.parse_any(high, [fmt] if fmt else self.formats))
            return when
        text = self.interpolator.eval(value, context)
        if isinstance(text, dt.datetime):
            return dates.parse(text.isoformat())
        return dates.parse_any(str(text), self.formats)

    def slices(self, state: Mapping[str, Any] | None) -> Iterator[dict[str, str]]:
        """The intervals to read, oldest first, as ``{"start_time": ..., "end_time": ...}``."""
        lower = self.start
        saved = (state or {}).get(self.field)
        if saved:
            resumed = dates.parse_any(str(saved), self.formats)
            if self.lookback is not None:
                resumed = self.lookback.add_to(resumed, -1)
            lower = max(lower, resumed)
        self._lower = lower
        end = self.end
        if self.step is None or self.step.is_zero:
            yield self._slice(lower, end)
            return
        while True:
            upper = min(self.step.add_to(lower) - self.granularity, end)
            yield self._slice(lower, upper)
            if upper >= end:
                return
            lower = upper + (self.granularity or dt.timedelta(microseconds=1))

    def _slice(self, lower: dt.datetime, upper: dt.datetime) -> dict[str, str]:
        return {
            self.start_key: dates.format(lower, self.format),
            self.end_key: dates.format(upper, self.format),
        }

    def inject(
        self, parts: RequestParts, interval: Mapping[str, str], context: Mapping[str, Any]
    ) -> None:
        if self.start_option is not None:
            self.start_option.inject(parts, interval[self.start_key], context)
        if self.end_option is not None:
            self.end_option.inject(parts, interval[self.end_key], context)

    def observe(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Track the newest cursor value; with client-side incremental, drop older records."""
        keep: list[dict[str, Any]] = []
        for record in records:
            value = record.get(self.field)
            if value is None:
                keep.append(record)
                continue
            try:
                when = dates.parse_any(str(value), self.formats)
            except ValueError:
                keep.append(record)
                continue
            if self._newest is None or when > self._newest:
                self._newest = when
            if not self.client_side or when >= self._lower:
                keep.append(record)
        return keep if self.client_side else records

    def state(self, previous: Mapping[str, Any] | None) -> dict[str, Any]:
        """The state after this read: the newest value seen, never older than ``previous``."""
        saved = (previous or {}).get(self.field)
        newest = self._newest
        if saved:
            old = dates.parse_any(str(saved), self.formats)
            newest = old if newest is None or old > newest else newest
        return {self.field: dates.format(newest, self.format)} if newest else dict(previous or {})
