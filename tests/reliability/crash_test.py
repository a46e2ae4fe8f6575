#!/usr/bin/env python3
"""Crashes (issue 12, section 6): kill -9 of nodes and of the server at random
moments during commands and syncs. After each kill every database passes
PRAGMA integrity_check; at the end no acknowledged command is lost or
doubled, and every node and the server hold the same state.

Usage: crash_test.py FIELDSYNC FIELDSYNC_SERVER [--kills N] [--seed S]
Prints one line per kill and a summary; exits 1 on the first broken promise.
"""
import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("fieldsync")
p.add_argument("server")
p.add_argument("--kills", type=int, default=12)
p.add_argument("--seed", type=int, default=1)
args = p.parse_args()
rng = random.Random(args.seed)
tmp = tempfile.mkdtemp(prefix="fieldsync-crash-")
devices = ["a", "b", "c"]
acked = {d: [] for d in devices}  # document numbers of receipts that exited 0, per device


def fail(what):
    print("FAILED: " + what)
    subprocess.run(["rm", "-rf", tmp])
    sys.exit(1)


def fs(device, *argv, check=True):
    r = subprocess.run([args.fieldsync, "--db", f"{tmp}/{device}.db", *argv], capture_output=True, text=True)
    if check and r.returncode != 0:
        fail(f"fieldsync {' '.join(argv)} on {device} exited {r.returncode}: {r.stderr.strip()}")
    return r


def integrity(path):
    if not os.path.exists(path):
        return
    db = sqlite3.connect(path, timeout=10)
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    if result != "ok":
        fail(f"{path}: integrity_check says {result}")


class Server:
    def __init__(self):
        self.port = 0
        self.start(["--company", "ACME"])

    def start(self, extra=()):
        self.proc = subprocess.Popen([args.server, "--data", f"{tmp}/srv", "--listen", f"127.0.0.1:{self.port}",
                                      "--handshake-rate", "100000", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            fail("the server did not start: " + line)
        self.port = int(m.group(1))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for f in ("server.db", "merged.db"):
            integrity(f"{tmp}/srv/{f}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def run_and_kill(device, argv, within):
    """Starts a command, kills it at a random moment within `within` seconds; returns its exit code (None if
    killed) and output."""
    proc = subprocess.Popen([args.fieldsync, "--db", f"{tmp}/{device}.db", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    time.sleep(rng.uniform(0, within))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    integrity(f"{tmp}/{device}.db")
    return (proc.returncode, out) if proc.returncode >= 0 else (None, out)


# init killed at random moments: the path then holds nothing, or a whole node database.
inits = max(3, args.kills // 10)
for k in range(inits):
    path = f"{tmp}/init{k}.db"
    proc = subprocess.Popen([args.fieldsync, "--db", path, "init", "--company", "ACME"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, 0.01))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if os.path.exists(path):
        integrity(path)
        r = subprocess.run([args.fieldsync, "--db", path, "status"], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"a killed init left {path} that does not open: {r.stderr.strip()}")

server = Server()
for d in devices:
    ticket = subprocess.run([args.server, "--data", f"{tmp}/srv", "enroll-token", "--branch", "north", "--role",
                             "admin"], capture_output=True, text=True, check=True).stdout.strip()
    fs(d, "enroll", ticket)
fs("a", "item", "add", "SEAL")
for d in devices:
    fs("a", "location", "add", f"WH-{d.upper()}", "--kind", "warehouse")
for d in ["a"] + devices:
    fs(d, "sync")

counts = {"command": 0, "sync": 0, "server": 0}
interrupted = 0  # kills that landed before the process finished
for k in range(args.kills):
    d = rng.choice(devices)
    what = rng.choices(["command", "sync", "server"], weights=[6, 3, 1])[0]
    counts[what] += 1
    if what == "command":
        code, out = run_and_kill(d, ["--json", "stock", "receive", "SEAL", "--to", f"WH-{d.upper()}", "--qty", "1"],
                                 0.008)
        if code == 0:
            acked[d].append(json.loads(out)[0]["doc"])
        interrupted += code is None
    elif what == "sync":
        interrupted += run_and_kill(d, ["sync"], 0.05)[0] is None
    else:
        server.kill()
        server.start()
    print(f"kill {k + 1}: {what} on {d if what != 'server' else 'the server'}")
    # Some work that finishes, between the kills.
    r = fs(d, "--json", "stock", "receive", "SEAL", "--to", f"WH-{d.upper()}", "--qty", "1")
    acked[d].append(json.loads(r.stdout)[0]["doc"])

for _ in range(2):
    for d in devices:
        fs(d, "sync")
exports = {d: fs(d, "export").stdout for d in devices}
server_export = subprocess.run([args.server, "--data", f"{tmp}/srv", "export"], capture_output=True, text=True).stdout
server.stop()
for d in devices:
    integrity(f"{tmp}/{d}.db")
    if exports[d] != exports["a"]:
        fail(f"{d} and a did not converge")
    ledger = json.loads(fs("a", "--json", "stock", "ledger", "SEAL", "--location", f"WH-{d.upper()}").stdout)
    docs = [row["doc"] for row in ledger]
    if len(docs) != len(set(docs)):
        fail(f"a movement of {d} was applied twice")
    lost = [doc for doc in acked[d] if doc not in docs]
    if lost:
        fail(f"acknowledged receipts of {d} were lost: {lost}")
if server_export != exports["a"]:
    fail("the server did not converge with the nodes")
subprocess.run(["rm", "-rf", tmp])
total = sum(len(v) for v in acked.values())
print(f"ok: {inits} kills of init, each leaving nothing or a whole database; {args.kills} kills ({counts['command']} commands, {counts['sync']} syncs, {counts['server']} servers; "
      f"{interrupted} of the commands and syncs killed before they finished), "
      f"{total} acknowledged receipts kept once each, integrity ok, all converged")
