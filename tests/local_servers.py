"""HTTP servers on 127.0.0.1 for offline download tests: plain files by URL path, and model repositories in the
model hub's layout (`/{org}/{name}/resolve/{revision}/{file}`), so downloads run without a network."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Reply:
    """What the server answers to one path: status, headers, body, and the Content-Length it announces."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    announced_length: int | None = None  # None: len(body); larger: the body is cut short (a truncated download)


Resolver = Callable[[str], Reply]


def handler_for(resolve: Resolver, log: list[tuple[str, str]]) -> type[BaseHTTPRequestHandler]:
    """A request handler class that answers HEAD and GET from `resolve(path)` and logs (method, path)."""

    class Handler(BaseHTTPRequestHandler):
        def reply(self, with_body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            log.append((self.command, path))
            answer = resolve(path)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            length = len(answer.body) if answer.announced_length is None else answer.announced_length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if with_body:
                self.wfile.write(answer.body)
            self.close_connection = True

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.reply(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self.reply(with_body=False)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with a free port; use as a context manager (stopped on exit)."""

    def __init__(self, resolve: Resolver) -> None:
        self.requests: list[tuple[str, str]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(resolve, self.requests))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:43121 (no trailing slash)."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def got(self, path: str) -> bool:
        """True when a GET of `path` reached the server."""
        return ("GET", path) in self.requests

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def file_resolver(files: Mapping[str, bytes], truncate: Mapping[str, int] | None = None) -> Resolver:
    """Serve `files` (URL path -> bytes); a path in `truncate` announces that many bytes more than it sends."""
    truncate = truncate or {}

    def resolve(path: str) -> Reply:
        if path not in files:
            return Reply(b"not found", status=404)
        body = files[path]
        return Reply(body, announced_length=len(body) + truncate[path] if path in truncate else None)

    return resolve


def hub_resolver(repos: Mapping[str, Path], commit: str = "0123456789abcdef0123456789abcdef01234567") -> Resolver:
    """Serve model repositories (repo id -> folder of files) as the hub does for from_pretrained: HEAD/GET of
    `/{repo}/resolve/{main or commit}/{file}` with ETag and X-Repo-Commit; 404s carry the hub's X-Error-Code."""

    def resolve(path: str) -> Reply:
        if path.startswith("/api/"):  # listings (chat templates, ...): "not there", which clients treat as none
            return Reply(b"{}", status=404)
        repo, sep, rest = path.lstrip("/").partition("/resolve/")
        revision, _, name = rest.partition("/")
        if not sep or repo not in repos or revision not in ("main", commit):
            return Reply(b"", status=404, headers={"X-Error-Code": "RepoNotFound"})
        file = repos[repo] / name
        if not name or not file.is_file():
            return Reply(b"", status=404, headers={"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit})
        body = file.read_bytes()
        etag = hashlib.sha256(body).hexdigest()
        return Reply(body, headers={"ETag": f'"{etag}"', "X-Repo-Commit": commit,
                                    "Content-Type": "application/octet-stream"})

    return resolve
