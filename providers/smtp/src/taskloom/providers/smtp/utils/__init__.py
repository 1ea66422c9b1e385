"""Helpers of the SMTP provider that core calls by path."""
