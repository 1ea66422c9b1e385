__path__ = __import__("pkgutil").extend_path(__path__, __name__)
# Core operators.
# The line above stays first: taskloom-compat adds 1.x modules to this package from
# its own wheel, which may live in another sys.path entry (editable installs).
