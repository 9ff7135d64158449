"""A listening port for the servers of ``marketsim classroom`` and ``marketsim dashboard``.

Both bind their port before anything slow starts, so a busy port, one that needs privileges or
an unknown address is one clear line (:class:`~marketsim.errors.RunOptionError`, exit status 2)
instead of a traceback from the web server minutes later.
"""

from __future__ import annotations

import errno
import socket

from marketsim.errors import RunOptionError


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening, inheritable by a server process, or
    a :class:`RunOptionError` saying why not."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise RunOptionError(f"--port must be from 1 to 65535, got {port}")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise RunOptionError(f"cannot open a socket: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise RunOptionError(f"port {port} is busy (another program, perhaps another game "
                                 f"or dashboard, uses it): choose another with --port") from None
        if exc.errno == errno.EACCES:
            raise RunOptionError(f"port {port} needs administrator rights here: choose one "
                                 f"above 1023 with --port") from None
        raise RunOptionError(f"cannot listen on {host}:{port}: "
                             f"{exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock
