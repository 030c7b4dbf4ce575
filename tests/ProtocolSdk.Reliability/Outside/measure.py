#!/usr/bin/env python3
"""Measures issue #15's two outside checks against a real server process (see docs/reliability.md).

1. Descriptor exhaustion: an echo server under `ulimit -n 256`; 400 connections held 5 s. It must stay alive, use
   <= 0.3 cores while exhausted, and serve a new client within 2 s once they leave.
2. A careless push (64 KiB every 10 ms) to a client that never reads: server RSS growth < 64 MB over 15 s, and the
   server ends that connection.
Usage: measure.py SERVER_DLL   (the dll built by measure.sh)
"""
import os, socket, subprocess, sys, threading, time

dll = sys.argv[1]
tick = os.sysconf("SC_CLK_TCK")

def start(mode, port, ulimit=None):
    cmd = ["dotnet", dll, mode, str(port)]
    if ulimit:
        cmd = ["bash", "-c", f"ulimit -n {ulimit} && exec dotnet {dll} {mode} {port}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    lines = []
    def pump():
        for line in proc.stdout:
            lines.append(line.strip())
    threading.Thread(target=pump, daemon=True).start()
    deadline = time.time() + 30
    while "listening" not in lines:
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit(f"server did not start: {lines}")
        time.sleep(0.05)
    return proc, lines

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def echo_once(port, timeout):
    started = time.time()
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            s.settimeout(timeout)
            s.sendall(b"ping")
            if s.recv(4) == b"ping":
                s.close()
                return time.time() - started
            s.close()
        except OSError:
            pass
        if time.time() - started > timeout:
            return None
        time.sleep(0.01)

def exhaustion(port=7811):
    proc, lines = start("echo", port, ulimit=256)
    held = []
    for _ in range(400):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append(s)
    time.sleep(1)  # let the server run into EMFILE
    cpu0, t0 = cpu_seconds(proc.pid), time.time()
    time.sleep(5)
    cores = (cpu_seconds(proc.pid) - cpu0) / (time.time() - t0)
    alive = proc.poll() is None
    for s in held:
        s.close()
    served = echo_once(port, 10)
    errors = [l for l in lines if l.startswith("stats")][-1:]
    proc.terminate(); proc.wait()
    print(f"exhaustion: alive={alive} cores_while_exhausted={cores:.3f} new_client_served_after={served if served is None else round(served, 3)} s last={errors}")
    return alive and cores <= 0.3 and served is not None and served <= 2

def careless_push(port=7812):
    proc, lines = start("push", port)
    base = rss_kb(proc.pid)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))  # and never read
    peak, ended_at, t0 = base, None, time.time()
    while time.time() - t0 < 15:
        time.sleep(0.25)
        peak = max(peak, rss_kb(proc.pid))
        if ended_at is None and any(l.startswith("lost") for l in lines):
            ended_at = time.time() - t0
    growth_mb = (peak - base) / 1024
    lost = [l for l in lines if l.startswith("lost")]
    s.close(); proc.terminate(); proc.wait()
    print(f"careless push: rss_base={base/1024:.1f} MB peak={peak/1024:.1f} MB growth={growth_mb:.1f} MB connection_ended_after={ended_at if ended_at is None else round(ended_at, 2)} s reason={lost[:1]}")
    return growth_mb < 64 and ended_at is not None

ok1 = exhaustion()
ok2 = careless_push()
sys.exit(0 if ok1 and ok2 else 1)
