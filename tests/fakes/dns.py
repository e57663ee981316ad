"""A resolver for made-up names, for the webhook address checks: ``dns[name] = [ip, ...]``
(or a callable returning the list); other names resolve as usual; ``dns.lookups`` counts
the lookups per name. Used as the ``dns`` fixture (tests/fakes/plugin.py)."""

from __future__ import annotations

import socket

REAL_GETADDRINFO = socket.getaddrinfo


class Resolver(dict):
    def __init__(self) -> None:
        super().__init__()
        self.lookups: dict[str, int] = {}

    def getaddrinfo(self, host, port, *args, **kwargs):
        if host not in self:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        self.lookups[host] = self.lookups.get(host, 0) + 1
        answer = self[host]
        addresses = answer() if callable(answer) else answer
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (ip, port or 443),
            )
            for ip in addresses
        ]
