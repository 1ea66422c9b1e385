"""A local paged JSON API for the declarative benchmark: ``python api_server.py PORT_FILE RECORDS PAGE_SIZE``.

Serves ``GET /items?page=N&per_page=P`` (bearer token ``bench-token-0123456789``) with
page bodies encoded once at start, so the server costs the clients as little as possible.
Writes its port to PORT_FILE and serves until killed.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs
from urllib.parse import urlsplit

TOKEN = "bench-token-0123456789"


def main(port_file: str, total: int, size: int) -> None:
    records = [
        {
            "id": i,
            "name": f"item {i}",
            "value": i * 0.5,
            "updated_at": f"2024-01-01T00:00:{i % 60:02d}Z",
            "tags": ["a", "b"],
        }
        for i in range(1, total + 1)
    ]
    pages = [json.dumps({"data": records[s : s + size]}).encode() for s in range(0, total, size)]
    empty = json.dumps({"data": []}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            query = parse_qs(urlsplit(self.path).query)
            page = int(query.get("page", ["1"])[0])
            body = pages[page - 1] if 1 <= page <= len(pages) else empty
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as fh:
        fh.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
