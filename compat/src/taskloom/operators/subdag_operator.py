# taskloom 1.x import path, kept alive by taskloom-compat (table: taskloom.legacy.moves.MOVES).
from taskloom_compat._shim import module_getattr

__getattr__ = module_getattr(__name__)
