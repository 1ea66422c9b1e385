"""Tests of taskloom.providers.amazon.transfers."""
