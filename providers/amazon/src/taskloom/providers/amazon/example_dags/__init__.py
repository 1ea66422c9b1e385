"""Example DAGs of the Amazon provider; its tests run every one of them."""
