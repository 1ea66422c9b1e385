"""Example DAGs of the Slack provider; its tests run every one of them."""
