"""Helpers for web applications behind the hub (python3 standard library only).

The hub proxies port APP_PORT (8888) with the full path kept, so every request path
starts with HUB_PREFIX = /user/<name>/containers/<url_id>/ (set by hub-entrypoint).
PrefixedHandler strips it and hands the rest to the app; `serve` runs the server until
SIGTERM. Example:

    import hubweb

    class Hello(hubweb.PrefixedHandler):
        def handle_app_get(self, rest):
            self.send_text(200, "hello from " + self.prefix + rest)

    hubweb.serve(Hello)
"""
import html
import os
import signal
import sys
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def prefix():
    """HUB_PREFIX with exactly one leading and one trailing slash ("/" when unset)."""
    value = os.environ.get("HUB_PREFIX", "/").strip("/")
    return "/" + value + "/" if value else "/"


def port():
    return int(os.environ.get("APP_PORT", "8888"))


class PrefixedHandler(SimpleHTTPRequestHandler):
    """Routes requests under the hub prefix to handle_app_<method>(rest), where rest is
    the decoded path below the prefix (no leading slash). The bare prefix without its
    trailing slash is redirected to the prefix; anything else is 404."""

    server_version = "hubweb"
    prefix = prefix()

    def _dispatch(self, method):
        path = urlsplit(self.path).path
        if path + "/" == self.prefix:
            query = urlsplit(self.path).query
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.prefix + ("?" + query if query else ""))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not path.startswith(self.prefix):
            self.send_text(HTTPStatus.NOT_FOUND, "not found: this app lives under " + self.prefix)
            return
        handler = getattr(self, "handle_app_" + method.lower(), None)
        if handler is None:
            self.send_text(HTTPStatus.METHOD_NOT_ALLOWED, method + " is not supported here")
            return
        handler(unquote(path[len(self.prefix) :]))

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def send_text(self, status, text, content_type="text/plain; charset=utf-8"):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_html(self, status, title, body_html):
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title>{body_html}</html>"
        )
        self.send_text(status, page, "text/html; charset=utf-8")

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))


class StaticHandler(PrefixedHandler):
    """Serves the files of WEB_ROOT (default /srv/www) under the prefix; a folder
    answers with its index.html, never with a listing."""

    root = os.environ.get("WEB_ROOT", "/srv/www")

    def handle_app_get(self, rest):
        self.path = "/" + rest
        target = self.translate_path(self.path)
        if os.path.isdir(target) and not os.path.exists(os.path.join(target, "index.html")):
            self.send_text(HTTPStatus.NOT_FOUND, "no index.html here")
            return
        if os.path.isdir(target) and rest and not rest.endswith("/"):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.prefix + rest + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        SimpleHTTPRequestHandler.do_GET(self) if self.command == "GET" else SimpleHTTPRequestHandler.do_HEAD(self)

    handle_app_head = handle_app_get

    def translate_path(self, path):
        self.directory = self.root
        return super().translate_path(path)


def serve(handler_class, host="0.0.0.0"):
    """Serves until SIGTERM/SIGINT; prints one line once listening."""
    server = ThreadingHTTPServer((host, port()), handler_class)
    server.daemon_threads = True

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"hubweb: serving http://{host}:{port()}{handler_class.prefix}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()
