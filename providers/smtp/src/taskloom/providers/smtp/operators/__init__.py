"""Operators of the SMTP provider."""
