"""Tests of taskloom.providers.amazon.hooks."""
