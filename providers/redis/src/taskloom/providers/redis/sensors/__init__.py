"""Sensors of the Redis provider."""
