"""Tests of the Amazon provider, against moto's server on 127.0.0.1."""
