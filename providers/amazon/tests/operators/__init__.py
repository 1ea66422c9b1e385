"""Tests of taskloom.providers.amazon.operators."""
