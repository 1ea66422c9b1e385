"""Example DAGs of the DuckDB provider; its tests run every one of them."""
