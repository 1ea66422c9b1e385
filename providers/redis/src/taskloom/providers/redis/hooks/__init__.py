"""Hooks of the Redis provider."""
