"""``taskloom declarative validate|spec|check|discover|read|schema``: for people writing manifests."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from taskloom.declarative.errors import DeclarativeError
from taskloom.declarative.errors import ManifestError


class DeclarativeUsageError(click.ClickException):
    """A bad manifest, config or stream name: printed as one clear message, no traceback."""

    exit_code = 1


def _source(target: str) -> Any:
    """A manifest file path, or the id of an installed manifest-only provider."""
    from pathlib import Path

    from taskloom.declarative import providers
    from taskloom.declarative import source

    try:
        if Path(target).suffix in (".yaml", ".yml") or Path(target).is_file():
            return source.load(target)
        return providers.load_provider(target)
    except DeclarativeError as exc:
        raise DeclarativeUsageError(str(exc)) from None


def _config(loaded: Any, value: str | None) -> dict[str, Any]:
    from taskloom.declarative.providers import config_from_option

    if value is None:
        return {}
    try:
        return config_from_option(value, loaded)
    except DeclarativeError as exc:
        raise DeclarativeUsageError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 -- a missing connection is the user's to fix
        raise DeclarativeUsageError(f"--config {value}: {exc}") from None


def _emit(data: Any, output: str, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if output == "json" else text)


_MANIFEST = click.argument("manifest", metavar="MANIFEST_OR_PROVIDER")
_CONFIG = click.option("--config", "config", help="A connection id, or a JSON file of the config.")
_OUTPUT = click.option(
    "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group("declarative")
def declarative_group() -> None:
    """Run and check Airbyte-format manifests (manifest-only providers)."""


@declarative_group.command("validate")
@click.argument("path")
@_OUTPUT
def validate_command(path: str, output: str) -> None:
    """Check a manifest: every problem with its JSON path and line; exit 1 if any."""
    from taskloom.declarative import source

    try:
        loaded = source.load(path)
    except ManifestError as exc:
        if output == "json":
            click.echo(json.dumps({"valid": False, "problems": exc.problems}, indent=2))
        else:
            click.echo(str(exc), err=True)
        sys.exit(1)
    _emit(
        {"valid": True, "streams": loaded.stream_names},
        output,
        f"{path}: valid, {len(loaded.stream_names)} stream(s): {', '.join(loaded.stream_names)}",
    )


@declarative_group.command("spec")
@_MANIFEST
@_OUTPUT
def spec_command(manifest: str, output: str) -> None:
    """Print the connection specification (the config fields)."""
    spec = _source(manifest).spec()
    lines = []
    required = set(spec.get("required") or ())
    for name, prop in (spec.get("properties") or {}).items():
        flags = [
            f
            for f, on in (("required", name in required), ("secret", prop.get("airbyte_secret")))
            if on
        ]
        lines.append(
            f"{name}: {prop.get('type', 'any')}{' (' + ', '.join(flags) + ')' if flags else ''}"
            f"{' - ' + prop['description'] if prop.get('description') else ''}"
        )
    _emit(spec, output, "\n".join(lines) or "(no config fields)")


@declarative_group.command("check")
@_MANIFEST
@_CONFIG
@_OUTPUT
def check_command(manifest: str, config: str | None, output: str) -> None:
    """Check that the config works (reads one page of the manifest's check streams)."""
    loaded = _source(manifest)
    ok, message = loaded.check(_config(loaded, config))
    _emit({"status": "SUCCEEDED" if ok else "FAILED", "message": message}, output, message)
    if not ok:
        sys.exit(1)


@declarative_group.command("discover")
@_MANIFEST
@_CONFIG
@_OUTPUT
def discover_command(manifest: str, config: str | None, output: str) -> None:
    """List the streams with their schemas, primary keys and cursor fields."""
    loaded = _source(manifest)
    try:
        streams = loaded.discover(_config(loaded, config))
    except DeclarativeError as exc:
        raise DeclarativeUsageError(str(exc)) from None
    text = "\n".join(
        f"{s['name']}: key {s['primary_key'] or '-'}, cursor {s['cursor_field'] or '-'}, "
        f"{len(s['json_schema'].get('properties') or {})} fields"
        for s in streams
    )
    _emit({"streams": streams}, output, text)


@declarative_group.command("read")
@_MANIFEST
@click.option("--stream", required=True, help="The stream to read.")
@_CONFIG
@click.option(
    "--state", "state", help="A JSON object to start from (the state of an earlier read)."
)
@click.option("--limit", type=int, help="Stop after this many records.")
@click.option(
    "--validate",
    "validate_records",
    is_flag=True,
    help="Check every record against the stream's JSON schema; exit 1 if one does not match.",
)
@_OUTPUT
def read_command(
    manifest: str,
    stream: str,
    config: str | None,
    state: str | None,
    limit: int | None,
    validate_records: bool,
    output: str,
) -> None:
    """Print the records of one stream (JSON Lines), then its new state."""
    from taskloom.utils.secrets_masker import redact

    loaded = _source(manifest)
    try:
        start = json.loads(state) if state else None
    except json.JSONDecodeError as exc:
        raise DeclarativeUsageError(f"--state is not JSON: {exc.msg}") from None
    count = 0
    mismatches = 0
    try:
        reader = loaded.read(stream, _config(loaded, config), start)
        checker = None
        if validate_records:
            import jsonschema

            checker = jsonschema.Draft7Validator(reader.stream.json_schema())
        for page in reader:
            for record in page.records:
                if limit is not None and count >= limit:
                    break
                click.echo(json.dumps(redact(record), default=str))
                count += 1
                for error in checker.iter_errors(record) if checker is not None else ():
                    mismatches += 1
                    where = ".".join(map(str, error.absolute_path)) or "(record)"
                    click.echo(redact(f"record {count}: {where}: {error.message}"), err=True)
            if limit is not None and count >= limit:
                break
    except DeclarativeError as exc:
        raise DeclarativeUsageError(str(exc)) from None
    final = {"type": "STATE", "stream": stream, "state": reader.state, "records": count}
    if output == "json":
        click.echo(json.dumps(final))
    else:
        click.echo(f"{count} records; state {json.dumps(reader.state)}", err=True)
    if mismatches:
        click.echo(f"{mismatches} schema mismatch(es) in {count} records", err=True)
        sys.exit(1)


@declarative_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the supported components."""
    from taskloom.declarative.components import SCHEMA

    click.echo(json.dumps(SCHEMA, indent=2))
