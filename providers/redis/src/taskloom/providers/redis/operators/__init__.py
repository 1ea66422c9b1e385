"""Operators of the Redis provider."""
