"""Operators of the Amazon provider that work inside S3."""
