"""Hooks of the Slack provider."""
