"""Redis provider (manual to come)."""
