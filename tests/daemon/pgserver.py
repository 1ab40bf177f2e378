"""A real PostgreSQL 15 server for the tests, started and stopped by them.

    python3 tests/daemon/pgserver.py start DIR   # initdb + pg_ctl start; prints the port
    python3 tests/daemon/pgserver.py stop DIR    # pg_ctl stop -m fast; removes DIR

ctest runs `start` as a fixture before the tests that run the daemon on
PostgreSQL and `stop` after them (tests/CMakeLists.txt); each such test makes
its own database on that server (`create_database`). The server listens on
127.0.0.1 on a free port and on a socket in DIR; trust authentication, no
password (a test's connection string names none).

initdb refuses to run as root, and CI runs as root: the data folder is then
given to the `postgres` system user (made by Debian's postgresql-common) and
the server's commands run as that user (runuser), as FACTS.md says. Only the
standard library is used.
"""

import os
import tempfile
import shutil
import socket
import subprocess
import sys
import time


def bindir():
    for d in (os.environ.get("SIGNFLOW_PG_BINDIR", ""), "/usr/lib/postgresql/15/bin"):
        if d and os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    try:
        return subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit("pgserver: no PostgreSQL server binaries (apt install postgresql-15; scripts/setup.sh does)")


def as_server_user(args):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args, **kw):
    p = subprocess.run(as_server_user(args), capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit("pgserver: %s failed (%d):\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def start(folder):
    folder = os.path.abspath(folder)
    if os.path.exists(folder):
        stop(folder, quiet=True)
    os.makedirs(folder)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = os.path.join(folder, "data")
    b = bindir()
    run([os.path.join(b, "initdb"), "-D", data, "-U", "signflow", "-A", "trust", "-E", "UTF8", "--locale=C",
         "--no-instructions"])
    # fsync stays on: what a test checks about durability must hold as it
    # would in production. A small server: tests make many small databases.
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nmax_connections = 200\n"
                "shared_buffers = 128MB\nfsync = on\nsynchronous_commit = on\n" % folder)
    for attempt in range(5):
        port = free_port()
        if _pg_ctl_start(folder, port):
            with open(os.path.join(folder, "port"), "w") as f:
                f.write(str(port))
            return port
        time.sleep(0.2)
    raise SystemExit("pgserver: the server did not start:\n%s" % open(os.path.join(folder, "pg.log")).read()[-3000:])


def _pg_ctl_start(folder, port):
    p = subprocess.run(as_server_user([os.path.join(bindir(), "pg_ctl"), "-D", os.path.join(folder, "data"),
                                       "-l", os.path.join(folder, "pg.log"), "-o", "-p %d" % port, "-w", "-t", "60",
                                       "start"]),
                       capture_output=True, text=True)
    return p.returncode == 0


def pause(folder):
    """Stops the server as a restart does (fast: clients are cut off), keeping its data."""
    run([os.path.join(bindir(), "pg_ctl"), "-D", os.path.join(os.path.abspath(folder), "data"), "-m", "fast", "-w",
         "stop"])


def resume(folder):
    """Starts a paused server again, on its port."""
    folder = os.path.abspath(folder)
    if not _pg_ctl_start(folder, port_of(folder)):
        raise SystemExit("pgserver: the server did not start again:\n%s" %
                         open(os.path.join(folder, "pg.log")).read()[-3000:])


def stop(folder, quiet=False):
    folder = os.path.abspath(folder)
    data = os.path.join(folder, "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run(as_server_user([os.path.join(bindir(), "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]),
                       capture_output=quiet, text=True)
    shutil.rmtree(folder, ignore_errors=True)


def port_of(folder):
    with open(os.path.join(os.path.abspath(folder), "port")) as f:
        return int(f.read().strip())


def psql(port, dbname, sql):
    """Rows of a query, each a tuple of strings (None for NULL), via psql."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                        "-p", str(port), "-U", "signflow", "-d", dbname, "-c", sql],
                       capture_output=True, text=True, env=dict(os.environ, PGCONNECT_TIMEOUT="10"))
    if p.returncode != 0:
        raise RuntimeError("psql: %s: %s" % (sql[:200], p.stderr.strip()))
    rows = []
    for line in p.stdout.split("\n"):
        if line == "":
            continue
        rows.append(tuple(line.split("\x1f")))
    return rows


def create_database(port, name):
    """A fresh, empty database `name` (dropped first if a past run left it);
    returns its connection URI."""
    psql(port, "postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    psql(port, "postgres", 'CREATE DATABASE "%s"' % name)
    return "postgresql://signflow@127.0.0.1:%d/%s" % (port, name)


def own_server(name, daemons, body):
    """Runs body(folder, port) on a server of its own (a test that restarts
    or pauses it must not do so to the one the other tests share); then
    kills the test's daemons and stops the server, whatever happened."""
    folder = os.path.join(tempfile.gettempdir(), "signflow-pg-%s-%d" % (name, os.getpid()))
    port = start(folder)
    try:
        body(folder, port)
    finally:
        for d in daemons:
            d.kill9()
        stop(folder, quiet=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        raise SystemExit("usage: pgserver.py start|stop DIR")
    if sys.argv[1] == "start":
        print(start(sys.argv[2]))
    else:
        stop(sys.argv[2])
