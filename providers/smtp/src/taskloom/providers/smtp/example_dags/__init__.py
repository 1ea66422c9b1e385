"""Example DAGs of the SMTP provider; its tests run every one of them."""
