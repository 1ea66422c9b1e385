"""Example DAGs of the Redis provider; the tests run each one end to end."""
