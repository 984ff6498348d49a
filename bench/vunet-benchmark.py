#!/usr/bin/env python3
"""The target of vunet (docs/performance.md): TCP between two vdestack stacks on one vde_switch,
against the same between two plain network namespaces joined to the same switch by Debian's
vde_plug (`vde_plug tap://vde0 vde:///SWITCH` in each); target: at least half their throughput.
Measured in interleaved rounds: a bulk transfer of 1 GiB (throughput) and 2,000 one-byte
requests answered by one byte (latency). Needs root (ip netns) and vde2, iproute2, python3.

Usage: bench/vunet-benchmark.py [--rounds N] [--no-pinned] [--no-unpinned] [--mib N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UMVU = ROOT / "bin" / "umvu"

# A server that takes a bulk transfer, then answers one-byte requests; a client that times both.
SERVER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 7300)); s.listen(1)
c, _ = s.accept()
left = int(sys.argv[2])
while left > 0:
    n = len(c.recv(1 << 20))
    if n == 0: break
    left -= n
c.sendall(b"k")
while True:
    b = c.recv(1)
    if not b: break
    c.sendall(b)
"""
CLIENT = r"""
import socket, sys, time
c = socket.create_connection((sys.argv[1], 7300), timeout=60)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
total = int(sys.argv[2]); chunk = b"x" * (1 << 20)
t = time.perf_counter()
for _ in range(total >> 20): c.sendall(chunk)
c.recv(1)
bulk = time.perf_counter() - t
t = time.perf_counter()
for _ in range(2000):
    c.sendall(b"q"); c.recv(1)
rtt = (time.perf_counter() - t) / 2000
print(bulk, rtt)
"""


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=900, **kw)


def native_round(switch: Path, mib: int, pinned: bool, work: Path):
    prefix = ["taskset", "-c", "1"] if pinned else []
    plugs = []
    try:
        for ns, addr in (("jvuosA", "192.0.2.201"), ("jvuosB", "192.0.2.202")):
            run(["ip", "netns", "add", ns])
            plugs.append(subprocess.Popen(prefix + ["ip", "netns", "exec", ns, "vde_plug", "tap://vde0", "vde://" + str(switch)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for _ in range(50):
                if subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "show", "vde0"], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            run(["ip", "netns", "exec", ns, "sh", "-c",
                 "ip link set lo up && ip link set vde0 up && ip addr add %s/24 dev vde0" % addr])
        server = subprocess.Popen(prefix + ["ip", "netns", "exec", "jvuosB", "python3", str(work / "server.py"), "192.0.2.202",
                                            str(mib << 20)])
        time.sleep(0.5)
        out = run(prefix + ["ip", "netns", "exec", "jvuosA", "python3", str(work / "client.py"), "192.0.2.202", str(mib << 20)])
        server.wait(timeout=60)
        return tuple(map(float, out.stdout.split()))
    finally:
        for p in plugs:
            p.terminate()
            p.wait()
        for ns in ("jvuosA", "jvuosB"):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def view_round(switch: Path, mib: int, pinned: bool, work: Path):
    prefix = ["taskset", "-c", "1"] if pinned else []
    script = """set -e
vumount -t vunetvdestack vde://{sw} /dev/net/a
vumount -t vunetvdestack vde://{sw} /dev/net/b
vustack /dev/net/a sh -c 'ip link set vde0 up && ip addr add 192.0.2.201/24 dev vde0'
vustack /dev/net/b sh -c 'ip link set vde0 up && ip addr add 192.0.2.202/24 dev vde0'
vustack /dev/net/b python3 {w}/server.py 192.0.2.202 {n} & sleep 0.5
vustack /dev/net/a python3 {w}/client.py 192.0.2.202 {n}
wait
""".format(sw=switch, w=work, n=mib << 20)
    out = run(prefix + [str(UMVU), "bash", "-c", script])
    return tuple(map(float, out.stdout.split()))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--mib", type=int, default=1024)
    p.add_argument("--no-pinned", action="store_true")
    p.add_argument("--no-unpinned", action="store_true")
    args = p.parse_args()
    if os.geteuid() != 0 or shutil.which("vde_switch") is None:
        sys.exit("needs root (ip netns) and vde_switch (Debian's vde2)")
    work = Path(tempfile.mkdtemp(prefix="jvuos-vunet-bench."))
    (work / "server.py").write_text(SERVER)
    (work / "client.py").write_text(CLIENT)
    switch = work / "switch"
    sw = subprocess.Popen(["vde_switch", "-s", str(switch)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        while not (switch / "ctl").exists():
            time.sleep(0.1)
        for pinned in [m for m, off in ((True, args.no_pinned), (False, args.no_unpinned)) if not off]:
            native, view = [], []
            for _ in range(args.rounds):
                native.append(native_round(switch, args.mib, pinned, work))
                view.append(view_round(switch, args.mib, pinned, work))
            mode = "pinned" if pinned else "unpinned"
            mb = args.mib * 1.048576
            print("tcp bulk   %-9s view %.0f MB/s, namespaces %.0f MB/s (medians of %d); throughput ratio median %.2f" % (
                mode, mb / statistics.median(v[0] for v in view), mb / statistics.median(n[0] for n in native),
                len(view), statistics.median(n[0] / v[0] for n, v in zip(native, view))))
            print("tcp rtt    %-9s view %.0f us, namespaces %.0f us; time ratio median %.2f" % (
                mode, 1e6 * statistics.median(v[1] for v in view), 1e6 * statistics.median(n[1] for n in native),
                statistics.median(v[1] / n[1] for n, v in zip(native, view))))
    finally:
        sw.terminate()
        sw.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
