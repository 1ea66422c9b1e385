"""Read the benchmark stream into SQLite with one runtime: ``python declarative_read.py RUNTIME MANIFEST URL DB``.

RUNTIME is ``taskloom`` (taskloom-declarative's reader and its DB-API destination) or
``airbyte`` (airbyte-cdk's ConcurrentDeclarativeSource, records inserted in batches of
1,000, one transaction each, like taskloom's one transaction per page). Prints
``{"records": N, "seconds": S}``; the harness measures the whole process (time, peak RSS).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time

TOKEN = "bench-token-0123456789"
COLUMNS = ("id", "name", "value", "updated_at", "tags")


def read_taskloom(manifest: str, url: str, db: str) -> int:
    os.environ["TASKLOOM_CONN_BENCH_DB"] = json.dumps({"conn_type": "sqlite", "host": db})
    from taskloom.declarative import source
    from taskloom.declarative.destinations import DbApiDestination
    from taskloom.declarative.destinations import StreamInfo

    loaded = source.load(manifest)
    reader = loaded.read("items", {"base_url": url, "token": TOKEN})
    dest = DbApiDestination("bench_db")
    stream = reader.stream
    dest.open(StreamInfo("items", stream.json_schema(), stream.primary_key), "append")
    for page in reader:
        dest.write(page.records)
    dest.close()
    return reader.records_read


def read_airbyte(manifest: str, url: str, db: str) -> int:
    import logging

    import yaml
    from airbyte_cdk.models import AirbyteStream
    from airbyte_cdk.models import ConfiguredAirbyteCatalog
    from airbyte_cdk.models import ConfiguredAirbyteStream
    from airbyte_cdk.models import DestinationSyncMode
    from airbyte_cdk.models import SyncMode
    from airbyte_cdk.models import Type
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
        ConcurrentDeclarativeSource,
    )

    with open(manifest) as fh:
        document = yaml.safe_load(fh)
    config = {"base_url": url, "token": TOKEN}
    stream = AirbyteStream(
        name="items",
        json_schema=document["streams"][0]["schema_loader"]["schema"],
        supported_sync_modes=[SyncMode.full_refresh],
    )
    catalog = ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=stream,
                sync_mode=SyncMode.full_refresh,
                destination_sync_mode=DestinationSyncMode.append,
            )
        ]
    )
    src = ConcurrentDeclarativeSource(
        catalog=catalog, config=config, state=None, source_config=document
    )
    conn = sqlite3.connect(db)
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    conn.execute(f"CREATE TABLE IF NOT EXISTS items ({cols})")
    insert = f"INSERT INTO items ({cols}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch: list[tuple[object, ...]] = []
    count = 0
    for message in src.read(logging.getLogger("bench"), config, catalog, None):
        if message.type == Type.RECORD and message.record is not None:
            data = message.record.data
            batch.append(
                tuple(
                    json.dumps(v) if isinstance(v, (list, dict)) else v
                    for v in (data.get(c) for c in COLUMNS)
                )
            )
            if len(batch) == 1000:
                conn.executemany(insert, batch)
                conn.commit()
                count += len(batch)
                batch = []
    if batch:
        conn.executemany(insert, batch)
        conn.commit()
        count += len(batch)
    conn.close()
    return count


def main(runtime: str, manifest: str, url: str, db: str) -> None:
    if os.path.exists(db):
        os.unlink(db)
    started = time.perf_counter()
    count = (
        read_taskloom(manifest, url, db)
        if runtime == "taskloom"
        else read_airbyte(manifest, url, db)
    )
    elapsed = time.perf_counter() - started
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    if stored != count:
        raise SystemExit(f"{runtime}: read {count} records but the table holds {stored}")
    print(json.dumps({"records": count, "seconds": elapsed}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
