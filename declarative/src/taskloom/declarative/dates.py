"""Datetimes as manifests write them: strftime formats plus Airbyte's epoch formats, ISO 8601 durations."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Final
from typing import NamedTuple

#: Formats that are not strftime: epoch seconds, milliseconds, float seconds, microseconds.
_EPOCH: Final = {"%s", "%ms", "%s_as_float", "%epoch_microseconds"}
_DURATION: Final = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class Duration(NamedTuple):
    """An ISO 8601 duration: whole months (calendar arithmetic) plus a fixed time span."""

    months: int
    delta: dt.timedelta

    def add_to(self, when: dt.datetime, sign: int = 1) -> dt.datetime:
        """``when`` moved by this duration (backwards when ``sign`` is -1)."""
        if self.months:
            total = when.year * 12 + (when.month - 1) + sign * self.months
            year, month = divmod(total, 12)
            day = min(when.day, calendar.monthrange(year, month + 1)[1])
            when = when.replace(year=year, month=month + 1, day=day)
        return when + sign * self.delta

    @property
    def is_zero(self) -> bool:
        return not self.months and not self.delta


def parse_duration(text: str) -> Duration:
    """Parse ``P1D``, ``PT1H``, ``P1M``, ``P1Y2M3DT4H5M6S``, ``P2W``."""
    match = _DURATION.match(str(text).strip())
    if not match or text.strip() in ("P", "PT"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration (e.g. P1D, PT1H, P1M)")
    g = {k: (float(v) if v else 0.0) for k, v in match.groupdict().items()}
    delta = dt.timedelta(
        weeks=g["weeks"],
        days=g["days"],
        hours=g["hours"],
        minutes=g["minutes"],
        seconds=g["seconds"],
    )
    return Duration(int(g["years"]) * 12 + int(g["months"]), delta)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse(text: str, fmt: str | None = None) -> dt.datetime:
    """Parse ``text`` with ``fmt`` (strftime or an epoch format), or as ISO 8601 when ``fmt`` is None.

    A datetime without a time zone is UTC.
    """
    if fmt in _EPOCH:
        number = float(text)
        if fmt == "%ms":
            number /= 1000
        elif fmt == "%epoch_microseconds":
            number /= 1_000_000
        return dt.datetime.fromtimestamp(number, dt.UTC)
    if fmt is None:
        try:
            return _utc(dt.datetime.fromisoformat(text.strip()))
        except ValueError:
            if re.fullmatch(r"\d+(\.\d+)?", text.strip()):
                return dt.datetime.fromtimestamp(float(text), dt.UTC)
            raise ValueError(f"{text!r} is not an ISO 8601 datetime") from None
    return _utc(dt.datetime.strptime(text, fmt.replace("%_ms", "%f")))


def parse_any(text: str, formats: list[str]) -> dt.datetime:
    """Parse with the first of ``formats`` that fits, else as ISO 8601."""
    for fmt in formats:
        try:
            return parse(text, fmt)
        except ValueError:
            continue
    return parse(text)


def format(value: dt.datetime, fmt: str) -> str:
    """Format ``value`` (made UTC) with ``fmt``: strftime, ``%_ms`` milliseconds, or an epoch format."""
    value = _utc(value)
    if fmt == "%s":
        return str(int(value.timestamp()))
    if fmt == "%ms":
        return str(int(value.timestamp() * 1000))
    if fmt == "%s_as_float":
        return str(value.timestamp())
    if fmt == "%epoch_microseconds":
        return str(int(value.timestamp() * 1_000_000))
    if "%_ms" in fmt:
        fmt = fmt.replace("%_ms", f"{value.microsecond // 1000:03d}")
    return value.strftime(fmt)
