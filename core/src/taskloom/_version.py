"""The one place core's version lives; the build backend reads it from here."""

__version__ = "2.1.0"
