"""The Runtime API client."""
import socket

from .marshal import to_json


# A small HTTP/1.1 client over one kept-alive socket: http.client would import email and ssl, adding tens of
# milliseconds to every cold start, for a peer that is always local plain HTTP.
class RuntimeClient(object):
    # socket_path: the same API on a Unix socket, which Cumulus serves
    # to its own runtimes: cheaper per exchange than loopback TCP
    def __init__(self, address, socket_path=None):
        host, _, port = address.rpartition(":")
        self.host = host or "127.0.0.1"
        self.port = int(port or 80)
        self.address = address
        self.socket_path = socket_path or None
        self.sock = None
        self.buf = b""

    def _connect(self):
        if self.socket_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(self.socket_path)
        else:
            self.sock = socket.create_connection((self.host, self.port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _read_until(self, marker):
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                return i
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("Runtime API connection closed")
            self.buf += chunk

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionResetError("Runtime API connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _response(self):
        end = self._read_until(b"\r\n\r\n")
        head = self.buf[:end].decode("latin-1").split("\r\n")
        self.buf = self.buf[end + 4 :]
        status = int(head[0][9:12])
        headers = {}
        for line in head[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                le = self._read_until(b"\r\n")
                size = int(self.buf[:le].split(b";")[0], 16)
                self.buf = self.buf[le + 2 :]
                if size == 0:
                    while True:  # trailers, then an empty line
                        le = self._read_until(b"\r\n")
                        self.buf = self.buf[le + 2 :]
                        if le == 0:
                            break
                    break
                parts.append(self._read_exact(size))
                self._read_exact(2)
            body = b"".join(parts)
        else:
            body = self._read_exact(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.sock.close()
            self.sock = None
        return status, headers, body

    def _request(self, method, path, body=b"", headers=None):
        extra = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n" % (method, path, self.address, extra, len(body))
        data = head.encode("latin-1") + body
        for attempt in (0, 1):
            fresh = self.sock is None
            if fresh:
                self._connect()
            try:
                self.sock.sendall(data)
                return self._response()
            except (ConnectionError, OSError):
                # a kept-alive socket the server closed while idle: once more on a fresh one
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if fresh or attempt:
                    raise

    def next(self):
        status, headers, body = self._request("GET", "/2018-06-01/runtime/invocation/next")
        if status != 200:
            raise RuntimeError("invocation/next answered %d: %r" % (status, body))
        return headers, body

    def post_result(self, invoke_id, data, content_type):
        self._request("POST", "/2018-06-01/runtime/invocation/%s/response" % invoke_id, data, {"Content-Type": content_type})

    @staticmethod
    def _error_headers(error_type):
        headers = {"Content-Type": "application/json"}
        if error_type and all(0x21 <= ord(c) <= 0x7E for c in error_type):
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        return headers

    def post_error(self, invoke_id, error_result):
        self._request(
            "POST",
            "/2018-06-01/runtime/invocation/%s/error" % invoke_id,
            to_json(error_result).encode("utf-8"),
            self._error_headers(error_result.get("errorType")),
        )

    def post_init_error(self, error_result):
        self._request(
            "POST",
            "/2018-06-01/runtime/init/error",
            to_json(error_result).encode("utf-8"),
            self._error_headers(error_result.get("errorType")),
        )
