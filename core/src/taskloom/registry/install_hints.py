"""Which distribution to install for a connection type no installed provider declares.

Checked against the in-repo providers' ``provider.json`` by the repository's tests
(``tools/tests``), so a new provider or connection type cannot be forgotten here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

#: conn_types of the providers kept in taskloom's repository, so that a missing one can be
#: named in the error (``pip install taskloom-provider-postgres``).
KNOWN_CONNECTION_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "aws": "taskloom-provider-amazon",
        "duckdb": "taskloom-provider-duckdb",
        "postgres": "taskloom-provider-postgres",
        "redis": "taskloom-provider-redis",
        "slack": "taskloom-provider-slack",
        "slack_webhook": "taskloom-provider-slack",
        "smtp": "taskloom-provider-smtp",
    }
)
