"""Secrets backends of the Amazon provider (configured through ``[secrets] backend``)."""
