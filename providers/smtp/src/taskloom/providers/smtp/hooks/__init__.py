"""Hooks of the SMTP provider."""
