"""Shared state of the fake Neo4j tools used by tests/ops.rs.

The fakes stand in for a Neo4j 5 installation that cannot run on the build
machines. They are not mocks that accept anything: the fake neo4j-admin reads
the files import.args names (with neo4j-admin's file-group, regex, header and
:LABEL rules), checks relationship ends against the node ids like a
--bad-tolerance=0 import, and stores the resulting counts; the fake
cypher-shell answers count queries from those stored counts. Every call is
appended to $FAKE_NEO4J_LOG as a JSON line (argv, cwd, selected environment).

Environment:
  FAKE_NEO4J_LOG      call log (JSON lines)
  FAKE_NEO4J_STATE    folder with one <db>.json per imported store and
                      server.up while the fake server runs
  FAKE_NEO4J_VERSION  what `neo4j-admin --version` prints (5.26.1)
  FAKE_NEO4J_EDITION  community (default) or enterprise
  FAKE_DEFAULT_DB     the DBMS's default database (neo4j)
"""

import json
import os
import sys

STATE = os.environ.get("FAKE_NEO4J_STATE", "/tmp/fake-neo4j-state")


def log(tool, argv, extra=None):
    path = os.environ.get("FAKE_NEO4J_LOG")
    if not path:
        return
    env = {k: os.environ[k] for k in ("HEAP_SIZE", "NEO4J_USERNAME") if k in os.environ}
    env["NEO4J_PASSWORD_SET"] = bool(os.environ.get("NEO4J_PASSWORD"))
    rec = {"tool": tool, "argv": argv, "cwd": os.getcwd(), "env": env}
    if extra:
        rec.update(extra)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def edition():
    return os.environ.get("FAKE_NEO4J_EDITION", "community")


def default_db():
    return os.environ.get("FAKE_DEFAULT_DB", "neo4j")


def db_path(db):
    return os.path.join(STATE, f"{db}.json")


def load_db(db):
    try:
        with open(db_path(db), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save_db(db, state):
    os.makedirs(STATE, exist_ok=True)
    tmp = db_path(db) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
    os.replace(tmp, db_path(db))


def db_status(name):
    """online, offline, or None when the DBMS does not know the database.
    The default database always exists; others once CREATE DATABASE ran."""
    st = load_db(name)
    if name != default_db() and (st is None or not st.get("registered")):
        return None
    return "offline" if st is not None and st.get("stopped") else "online"


def server_up():
    if os.environ.get("FAKE_CYPHER_DOWN") == "1":
        return False
    return os.path.exists(os.path.join(STATE, "server.up"))


def set_server(up):
    os.makedirs(STATE, exist_ok=True)
    p = os.path.join(STATE, "server.up")
    if up:
        open(p, "w").close()
    elif os.path.exists(p):
        os.remove(p)


def fail(msg, code=1):
    print(msg, file=sys.stderr)
    sys.exit(code)
