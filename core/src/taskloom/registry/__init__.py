"""The provider registry: what the installed provider distributions offer, read without importing them.

One module per concern: :mod:`~taskloom.registry.locate` finds a provider's package,
:mod:`~taskloom.registry.info` holds the metadata value types read from ``provider.json``,
:mod:`~taskloom.registry.validation` validates that file (``fastjsonschema``), :mod:`~taskloom.registry.discovery_cache`
keeps validated metadata between processes, :mod:`~taskloom.registry.compatibility` checks a
provider's range on core, :mod:`~taskloom.registry.status` records what was found,
:mod:`~taskloom.registry.install_hints` names the distribution for a missing connection type,
:mod:`~taskloom.registry.registry` ties them together and :mod:`~taskloom.registry.scaffold`
writes a new provider. The public face is :mod:`taskloom.providers_manager`.
"""
