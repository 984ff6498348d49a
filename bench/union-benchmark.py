#!/usr/bin/env python3
"""The targets of vufs's union modes (docs/performance.md), measured in interleaved rounds:

  copy-up   the first append to a 1 GiB file of B in a cow view (its copy-up) against
            `cp` of the same file natively; target: at most 1.5x
  find      `find` over a 50,000-entry tree that a cow view merges from two layers, against
            the same `find` over a vufs bind mount of one directory holding the same tree;
            target: at most 1.5x. Two trees: a cow view as one uses it (B holds the tree, A
            a changed file in 1 % of its directories: "find-cow"), and the worst case, where
            every directory is in both layers and each holds half of the files ("find-merged")

Each time is taken inside the guest (bash's `time`), so umvu's own start-up is left out.
Usage: bench/union-benchmark.py [--rounds N] [--only copy-up|find] [--no-pinned] [--no-unpinned] [--keep DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UMVU = ROOT / "bin" / "umvu"
GIB = 1 << 30
DIRECTORIES = 2500
FILES_PER_DIRECTORY = 19


def make_trees(base: Path) -> None:
    """A/ and B/ share every directory and split the files; ONE/ holds the whole tree, and
    CHANGES/ a changed copy of one file in every 100th directory."""
    for d in range(DIRECTORIES):
        rel = "d%d/e%d" % (d // 50, d % 50)
        for layer in ("A", "B", "ONE"):
            (base / layer / rel).mkdir(parents=True, exist_ok=True)
        for f in range(FILES_PER_DIRECTORY):
            name = "f%d" % f
            (base / ("A" if f % 2 == 0 else "B") / rel / name).touch()
            (base / "ONE" / rel / name).touch()
        if d % 100 == 0:
            (base / "CHANGES" / rel).mkdir(parents=True)
            (base / "CHANGES" / rel / "f0").write_text("changed\n")
    (base / "mnt").mkdir()


def make_big_file(path: Path) -> None:
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(GIB // len(chunk)):
            f.write(chunk)


def timed(argv, cwd: Path) -> float:
    """Runs a guest script that ends with bash's `time` of one command; its real seconds."""
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(map(str, argv)), r.stdout, r.stderr))
    return float(r.stderr.strip().splitlines()[-1])


def bash(script: str, pinned: bool, umvu: bool):
    prefix = ["taskset", "-c", "1"] if pinned else []
    return prefix + ([str(UMVU)] if umvu else []) + ["bash", "-c", "TIMEFORMAT=%R; " + script]


def round_of_copy_up(base: Path, pinned: bool):
    for d in ("cow-upper", "copy"):
        shutil.rmtree(base / d, ignore_errors=True)
    (base / "cow-upper").mkdir()
    subprocess.run(["sync"])
    native = timed(bash("time cp big/big.bin copy.bin", pinned, False), base)
    os.unlink(base / "copy.bin")
    subprocess.run(["sync"])
    view = timed(bash('vumount -t vufs -o cow "$PWD/cow-upper" "$PWD/big" && time sh -c "echo x >> big/big.bin"',
                      pinned, True), base)
    return view, native


def round_of_find(base: Path, pinned: bool):
    """(cow view, bind) and (merged tree, bind), each pair measured one after the other."""
    bind = timed(bash('vumount -t vufs "$PWD/ONE" "$PWD/mnt" && time find mnt >/dev/null', pinned, True), base)
    cow = timed(bash('vumount -t vufs -o cow "$PWD/CHANGES" "$PWD/ONE" && time find ONE >/dev/null', pinned, True),
                base)
    bind2 = timed(bash('vumount -t vufs "$PWD/ONE" "$PWD/mnt" && time find mnt >/dev/null', pinned, True), base)
    merged = timed(bash('vumount -t vufs -o cow "$PWD/A" "$PWD/B" && time find B >/dev/null', pinned, True), base)
    return (cow, bind), (merged, bind2)


def report(name: str, pairs, pinned: bool) -> None:
    ratios = [a / b for a, b in pairs]
    print("%-11s %-9s view %.3f s, reference %.3f s (medians of %d); ratio median %.2fx (min %.2f, max %.2f)" % (
        name, "pinned" if pinned else "unpinned", statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs), len(pairs), statistics.median(ratios), min(ratios), max(ratios)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", choices=("copy-up", "find"))
    p.add_argument("--no-pinned", action="store_true")
    p.add_argument("--no-unpinned", action="store_true")
    p.add_argument("--keep", help="a directory for the trees, kept afterwards (default: a temporary one)")
    args = p.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="jvuos-union-bench."))
    try:
        if not (base / "CHANGES").exists():
            for tree in ("A", "B", "ONE", "CHANGES", "mnt"):  # (left by an older version of this script)
                shutil.rmtree(base / tree, ignore_errors=True)
            make_trees(base)
        (base / "big").mkdir(exist_ok=True)
        if not (base / "big" / "big.bin").exists():
            make_big_file(base / "big" / "big.bin")
        modes = [m for m, off in ((True, args.no_pinned), (False, args.no_unpinned)) if not off]
        for pinned in modes:
            copies, cow_finds, merged_finds = [], [], []
            for _ in range(args.rounds):
                if args.only != "find":
                    copies.append(round_of_copy_up(base, pinned))
                if args.only != "copy-up":
                    cow, merged = round_of_find(base, pinned)
                    cow_finds.append(cow)
                    merged_finds.append(merged)
            if copies:
                report("copy-up", copies, pinned)
            if cow_finds:
                report("find-cow", cow_finds, pinned)
                report("find-merged", merged_finds, pinned)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
