"""``python -m taskloom`` runs the command line."""

from __future__ import annotations

import sys

from taskloom.cli import main

sys.exit(main())
