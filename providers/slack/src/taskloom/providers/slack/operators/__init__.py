"""Operators of the Slack provider."""
