"""Tests of taskloom.providers.amazon.secrets."""
