"""taskloom-testing's provider conformance suite, run against this provider's installed wheel."""

from taskloom_testing.conformance import conformance_suite

TestConformance = conformance_suite("celery", has_connection_types=False)
