#!/usr/bin/env python3
"""The targets of vudev (docs/performance.md), measured in interleaved rounds:

  dd        `dd if=/dev/zero of=/dev/ramdisk bs=1M` of 1 GiB, and the read back with
            `dd of=/dev/null bs=1M`, against the same dd natively to and from a file in
            /dev/shm; target: at least half the throughput. Random bytes (from a file in
            /dev/shm, which the native side copies too) are measured alongside, for
            information: zeros are what the target names, and a sparse ramdisk stores none.
  mkfs      `mkfs.ext4 -q` of a 1 GiB ramdisk against the same mkfs natively on a 1 GiB image
            file in /dev/shm; target: at most 3x
  memory    a 1 TiB ramdisk with 1 GiB of random bytes written: the hypervisor's peak RSS plus
            what its ramdisk's memory file holds; target: under 1.2 GiB

Each time is taken inside the guest (bash's `time`), so umvu's own start-up is left out; each
round of dd and mkfs is a fresh umvu session.
Usage: bench/vudev-benchmark.py [--rounds N] [--only dd|mkfs|memory] [--no-pinned] [--no-unpinned]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UMVU = ROOT / "bin" / "umvu"
GIB = 1 << 30


def timed(argv, times: int):
    """Runs a script whose last `times` lines of stderr are bash `time` reports; those seconds."""
    r = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(map(str, argv)), r.stdout, r.stderr))
    return [float(line) for line in r.stderr.strip().splitlines()[-times:]]


def bash(script: str, pinned: bool, umvu: bool):
    prefix = ["taskset", "-c", "1"] if pinned else []
    return prefix + ([str(UMVU)] if umvu else []) + ["bash", "-c", "TIMEFORMAT=%R; set -e; " + script]


DD_NATIVE = """f={shm}/dd-native.img
time dd if=/dev/zero of=$f bs=1M count=1024 status=none
time dd if=$f of=/dev/null bs=1M status=none
rm $f
time dd if={shm}/random.bin of=$f bs=1M status=none
time dd if=$f of=/dev/null bs=1M status=none
rm $f"""

DD_VIEW = """vumount -t vudevramdisk -o size=1G none /dev/ramdisk
time dd if=/dev/zero of=/dev/ramdisk bs=1M count=1024 status=none
time dd if=/dev/ramdisk of=/dev/null bs=1M status=none
time dd if={shm}/random.bin of=/dev/ramdisk bs=1M status=none
time dd if=/dev/ramdisk of=/dev/null bs=1M status=none"""

MKFS_NATIVE = "truncate -s 1G {shm}/mkfs.img; time mkfs.ext4 -q -F {shm}/mkfs.img; rm {shm}/mkfs.img"
MKFS_VIEW = "vumount -t vudevramdisk -o size=1G none /dev/ramdisk; time mkfs.ext4 -q /dev/ramdisk"


def report(name, views, natives, pinned, better):
    """better: 'throughput' (ratio native time / view time) or 'time' (view time / native time)."""
    ratios = [(n / v if better == "throughput" else v / n) for v, n in zip(views, natives)]
    print("%-14s %-9s view %.3f s, native %.3f s (medians of %d); %s ratio median %.2f (min %.2f, max %.2f)" % (
        name, "pinned" if pinned else "unpinned", statistics.median(views), statistics.median(natives), len(views),
        "throughput" if better == "throughput" else "time", statistics.median(ratios), min(ratios), max(ratios)))


def memory_of_a_terabyte_ramdisk():
    """A session that writes 1 GiB of random bytes to a 1 TiB ramdisk: the umvu JVM's peak RSS and
    the bytes its ramdisk's memory file holds (memfd pages are in no process's RSS), in KiB."""
    script = ("vumount -t vudevramdisk -o size=1T none /dev/big; "
              "head -c %d /dev/urandom | dd of=/dev/big bs=1M seek=500000 iflag=fullblock status=none; "
              # The session's first process is bash; its parent is the umvu JVM.
              "grep VmHWM /proc/$PPID/status; "
              "for f in /proc/$PPID/fd/*; do case $(readlink $f) in *vudev-ramdisk*) stat -L -c '%%b %%B' $f;; esac; done"
              % GIB)
    r = subprocess.run([str(UMVU), "bash", "-c", script], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        sys.exit("failed: %s%s" % (r.stdout, r.stderr))
    lines = r.stdout.split("\n")
    rss = int(lines[0].split()[1])
    blocks, unit = map(int, lines[1].split())
    return rss, blocks * unit // 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", choices=("dd", "mkfs", "memory"))
    p.add_argument("--no-pinned", action="store_true")
    p.add_argument("--no-unpinned", action="store_true")
    args = p.parse_args()
    shm = Path(tempfile.mkdtemp(prefix="jvuos-vudev-bench.", dir="/dev/shm"))
    try:
        if args.only in (None, "dd"):
            with open(shm / "random.bin", "wb") as f:
                for _ in range(GIB >> 20):
                    f.write(os.urandom(1 << 20))
        modes = [m for m, off in ((True, args.no_pinned), (False, args.no_unpinned)) if not off]
        for pinned in modes:
            dd_view, dd_native, mkfs_view, mkfs_native = [], [], [], []
            for _ in range(args.rounds):
                if args.only in (None, "dd"):
                    dd_native.append(timed(bash(DD_NATIVE.format(shm=shm), pinned, False), 4))
                    dd_view.append(timed(bash(DD_VIEW.format(shm=shm), pinned, True), 4))
                if args.only in (None, "mkfs"):
                    mkfs_native.append(timed(bash(MKFS_NATIVE.format(shm=shm), pinned, False), 1)[0])
                    mkfs_view.append(timed(bash(MKFS_VIEW, pinned, True), 1)[0])
            for i, name in enumerate(("dd zero write", "dd read back", "dd rnd write", "dd rnd read")):
                if dd_view:
                    report(name, [r[i] for r in dd_view], [r[i] for r in dd_native], pinned, "throughput")
            if mkfs_view:
                report("mkfs.ext4 1G", mkfs_view, mkfs_native, pinned, "time")
        if args.only in (None, "memory"):
            rss, memfd = memory_of_a_terabyte_ramdisk()
            print("memory         1 TiB ramdisk, 1 GiB written: %.2f GiB (peak RSS %.2f GiB + memory file %.2f GiB)"
                  % ((rss + memfd) / (1 << 20), rss / (1 << 20), memfd / (1 << 20)))
    finally:
        subprocess.run(["rm", "-rf", str(shm)])


if __name__ == "__main__":
    main()
