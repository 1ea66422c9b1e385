"""1.x home of ``chain`` and ``cross_downstream``; they live in
:mod:`taskloom.models.baseoperator` now and are re-exported here so old DAG files keep working."""

from __future__ import annotations

from taskloom.models.baseoperator import chain as chain
from taskloom.models.baseoperator import cross_downstream as cross_downstream

__all__ = ["chain", "cross_downstream"]
