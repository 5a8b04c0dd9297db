"""Processes of a site behind a proxy, for the tests and the scale bench: ``landbank
serve`` processes (each on its own port) and Debian's nginx in front of them (its own
configuration, pid file and logs in a folder of the caller's, on a free port, round
robin over the serve processes). Nothing of the system's nginx is used or started."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.replication import free_port

LANDBANK = str(Path(sys.executable).with_name("landbank"))

CONFIG = """\
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream landbank {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 30m;
        location / {{
            proxy_pass http://landbank;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def nginx_program() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def wait_answering(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 120) -> None:
    """Waits until GET ``url`` answers (any status); RuntimeError when ``proc`` ends or
    the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if proc is not None and proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{proc.args[:4]} ended: {err[-1500:]}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {timeout_s} s") from None
            time.sleep(0.2)


class Site:
    """``serves`` landbank processes on ``db`` (reads on ``read_db`` if given) behind
    one nginx; ``url`` is nginx's, ``direct`` each process's own. ``upstreams``: the
    ports of processes already running (another site's), put behind this nginx
    instead of starting any."""

    def __init__(
        self,
        folder: Path,
        db: str | None = None,
        serves: int = 2,
        read_db: str | None = None,
        upstreams: list[int] | None = None,
    ):
        self.folder = folder
        self.read_db = read_db
        self.procs: list[subprocess.Popen] = []
        self.ports = list(upstreams) if upstreams else [free_port() for _ in range(serves)]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.direct = [f"http://127.0.0.1:{p}" for p in self.ports]
        try:
            for port in [] if upstreams else self.ports:
                argv = [LANDBANK, "--db", db, "serve", "--port", str(port)]
                argv += ["--read-db", read_db] if read_db else []
                self.procs.append(
                    subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                )
            for url, proc in zip(self.direct, self.procs, strict=False):
                wait_answering(f"{url}/login", proc)
            self._start_nginx()
        except BaseException:
            self.stop()
            raise

    def _start_nginx(self) -> None:
        program = nginx_program()
        if program is None:
            raise RuntimeError("nginx is not installed (make setup installs it)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)  # its workers (nobody, under root) reach the temp folders
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in self.ports)
        conf = self.folder / "nginx.conf"
        conf.write_text(CONFIG.format(folder=self.folder, servers=servers, port=self.port))
        nginx = subprocess.Popen(
            [program, "-c", conf, "-p", self.folder, "-e", self.folder / "error.log",
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.procs.append(nginx)
        wait_answering(f"{self.url}/login", nginx, 30)

    def stop(self) -> None:
        """Stops nginx and the serve processes (each by its own process)."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
