"""Operators of the Amazon provider that move data between S3 and elsewhere."""
