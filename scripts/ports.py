"""Free TCP ports for the servers the scripts start (PostgreSQL, SeaweedFS, Ray, Slurm)."""

from __future__ import annotations

import socket


def free_ports(n: int, ip: str = "127.0.0.1") -> list[int]:
    """``n`` distinct free ports on ``ip`` (the sockets stay open until all are picked)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((ip, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
