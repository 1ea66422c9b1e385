"""The taskloom 1.x layout: the table of moved names and the import hooks that use it.

:mod:`taskloom.legacy.moves` is the one table of 1.x paths and their new homes (it drives
taskloom-compat's shims, warnings and codemod); :mod:`taskloom.legacy.finder` turns a 1.x
import into a deprecation warning (with compat) or migration advice (without). Both are
imported only by ``taskloom/__init__.py`` (the finder, which imports nothing) and by a 1.x
import (the table), so this package stays free of imports.
"""
