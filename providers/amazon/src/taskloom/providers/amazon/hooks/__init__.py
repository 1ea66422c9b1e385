"""Hooks of the Amazon provider: :mod:`.base_aws` (credentials, sessions, clients) and :mod:`.s3`."""
