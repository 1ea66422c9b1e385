"""Tests of taskloom.providers.amazon.sensors."""
