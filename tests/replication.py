"""A PostgreSQL primary and its streaming replica of their own, for the tests and the
scale bench: two clusters in a temporary folder (``initdb``, then ``pg_basebackup -R``),
each on a free port on 127.0.0.1, stopped and removed at the end. The main cluster
(5432) is left alone: it may be big, and a replica of it would copy all of it.

Run as root, the servers run as the ``postgres`` user (``runuser``), as PostgreSQL
refuses root."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

# fsync off: a test's cluster is thrown away; the replica streams all the same
SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=4 "
    "-c fsync=off -c full_page_writes=off -c shared_buffers=64MB -c max_connections=120"
)


def pg_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (the newest version installed), or
    None when initdb, pg_ctl and pg_basebackup are not all there."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(os.access(f"{folder}/{p}", os.X_OK) for p in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Pair:
    """A running primary and its replica: their ports and folder."""

    folder: Path
    bin: Path
    primary_port: int
    replica_port: int

    def url(self, database: str, replica: bool = False) -> str:
        port = self.replica_port if replica else self.primary_port
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    def admin(self, replica: bool = False, database: str = "postgres") -> psycopg.Connection:
        """An autocommit connection to ``database`` on the primary (or the replica)."""
        return psycopg.connect(self.url(database, replica), autocommit=True)

    def pause_replay(self) -> None:
        """Stops the replica applying what it receives (``pg_wal_replay_pause``)."""
        with self.admin(replica=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            while _one(conn, "SELECT pg_get_wal_replay_pause_state()") != "paused":
                time.sleep(0.01)

    def resume_replay(self) -> None:
        with self.admin(replica=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def caught_up(self, timeout_s: float = 30) -> None:
        """Waits until the replica has replayed all the primary has written now."""
        with self.admin() as conn:
            target = _one(conn, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout_s
        with self.admin(replica=True) as conn:
            while not _one(conn, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", str(target)):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the replica did not reach {target} in {timeout_s} s")
                time.sleep(0.02)

    def stop_replica(self) -> None:
        _run(self, [self.bin / "pg_ctl", "stop", "-D", self.folder / "replica", "-m", "fast"])

    def start_replica(self) -> None:
        _start(self.bin, self.folder / "replica", self.replica_port, self.folder)

    def stop(self) -> None:
        """Stops both servers at once (nothing to keep) and removes the folder."""
        for name in ("replica", "primary"):
            if (self.folder / name / "postmaster.pid").exists():
                _run(
                    self, [self.bin / "pg_ctl", "stop", "-D", self.folder / name, "-m", "immediate"]
                )
        shutil.rmtree(self.folder, ignore_errors=True)


def _one(conn: psycopg.Connection, sql: str, *params):
    return conn.execute(sql, params or None).fetchone()[0]


def _as_postgres(argv: list) -> list[str]:
    argv = [str(a) for a in argv]
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(pair_or_none, argv: list) -> None:
    proc = subprocess.run(_as_postgres(argv), capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(map(str, argv))}: {(proc.stderr or proc.stdout)[-1500:]}")


def _start(bin: Path, data: Path, port: int, sockets: Path) -> None:
    options = f"-p {port} -k {sockets} {SETTINGS}"
    _run(None, [bin / "pg_ctl", "start", "-w", "-t", "120", "-D", data, "-l", data.parent /
                f"{data.name}.log", "-o", options])  # fmt: skip


def start_pair(database: str = "landbank", base: Path | None = None) -> Pair:
    """A new primary (with ``database`` holding the postgis extension) and a streaming
    replica made of it by ``pg_basebackup -R``, both running. RuntimeError when a step
    fails; the caller stops the pair (``Pair.stop``)."""
    bin = pg_bin()
    if bin is None:
        raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="lb_pair_", dir=base))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    pair = Pair(folder, bin, free_port(), free_port())
    try:
        primary, replica = folder / "primary", folder / "replica"
        _run(pair, [bin / "initdb", "-D", primary, "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])  # fmt: skip
        _start(bin, primary, pair.primary_port, folder)
        with pair.admin() as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        with pair.admin(database=database) as conn:
            conn.execute("CREATE EXTENSION postgis")
        _run(pair, [bin / "pg_basebackup", "-h", "127.0.0.1", "-p", pair.primary_port,
                    "-U", "postgres", "-D", replica, "-R", "-X", "stream", "-c", "fast",
                    "--no-sync"])  # fmt: skip
        _start(bin, replica, pair.replica_port, folder)
    except BaseException:
        pair.stop()
        raise
    return pair
