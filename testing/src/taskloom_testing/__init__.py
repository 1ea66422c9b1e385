"""Fixtures that start real services on 127.0.0.1 for taskloom's test suites."""
