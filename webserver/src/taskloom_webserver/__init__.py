"""taskloom-webserver: the web UI and REST API of taskloom.

``taskloom users create NAME --role admin`` adds a user, ``taskloom webserver`` serves the
pages and ``/api/v1`` on http://127.0.0.1:8080 (see the README).  Build the application
yourself with :func:`taskloom_webserver.app.create_app` to serve it with another ASGI server.
"""

from __future__ import annotations
