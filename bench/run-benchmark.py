#!/usr/bin/env python3
"""Benchmark jvuos's umvu against native execution and PRoot.

Usage (from the repository root):

    python3 bench/run-benchmark.py [--runs N] [--proot PATH] [--umvu PATH]
                                   [--only a,b,...] [--no-unpinned] [--no-pinned]
                                   [--timeout SECONDS] [--mount]

Workloads (a)-(e) run as `<tool> timeit <workload>`: bench/timeit.c, run
under the tool, times the workload from inside (fork, exec and wait, with
CLOCK_MONOTONIC) and hands the time back through the file descriptor named
by TIMEIT_FD.  That in-view time leaves out the tool's own start-up (umvu is
a JVM program: ~0.4 s, reported on its own row, `umvu true`) and is what the
main tables and the targets use; the wall time of the whole command, start-up
included, is also measured and shown in a second, smaller table.

Every workload runs natively, under umvu and under PRoot (`proot -b /tmp:/tmp`,
i.e. with one binding so PRoot does real path translation), interleaved
native, umvu, proot, native, umvu, proot, ... so that drift of the machine
(frequency, page cache, other load) hits all three alike.  Each setting is
done twice: with the whole command, tracer included, pinned to CPU 1
(`taskset -c 1 ...`), and unpinned.

With --mount, umvu runs every workload in a view with two vufs bind mounts
made before the workload starts (`vumount -t vufs /var /jvuos-bench-view/var`
and `... /usr /jvuos-bench-view/usr`), so each process's filter stops at every
path call and the dispatcher resolves them; the workloads themselves touch
neither mount point.  Two more workloads then run (a) and (b) *inside* the
mount, over /jvuos-bench-view/usr (natively and under PRoot: over /usr); the
targets become the framework issue's: umvu's ratio at most PRoot 5.4's as measured here in
November 2026 ((a) 14.3x, (b) 8.6x, (c) 1.58x, (d) 1.08x, (e) 1.01x; PRoot's ratio from the
same run is shown beside it), stat at most 16.5 us per call, and inside the mount umvu's time
at most 1.2 times its own time outside it. A workload inside the mount runs in the same rounds
as the one outside it (a, ai, a, ai, ...), since their times are compared.

Workloads (keys for --only):
  a   find /usr -size +0 >/dev/null
  b   sh -c 'tar cf - -C /usr include share/man | cat >/dev/null'
  c   500 spawns of /bin/true from sh
  d   gcc -O0 -c of a generated ~2,000-line C file
  e   sh -c 'i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done'
  f   bench/syscall-timing.c: per-call µs of stat("/usr/bin/env") and
      syscall(SYS_getpid) (the per-call figures are reported, not wall time)
  ai  (a) inside the mount (--mount only)
  bi  (b) inside the mount (--mount only)
  true  `umvu true` wall time (startup cost)
  rss   peak RSS (/usr/bin/time -f %M) around `find /usr -maxdepth 2`

The report (markdown, ready for docs/performance.md) goes to stdout; progress
goes to stderr.  Only the Python standard library is used.
"""

import argparse
import datetime
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
TIMING_SOURCE = BENCH_DIR / "syscall-timing.c"
TIMEIT_SOURCE = BENCH_DIR / "timeit.c"

TOOLS = ("native", "umvu", "proot")
PIN_CPU = "1"
# One binding makes PRoot translate paths the way it does in real use; /tmp is
# where the generated files live, so the binding is also one that matters.
PROOT_ARGS = ["-b", "/tmp:/tmp"]
GENERATED_C_LINES = 2000
# --mount: where the view shows /var and /usr, and the script umvu runs first.
VIEW_DIR = "/jvuos-bench-view"
MOUNT_SCRIPT = ('vumount -t vufs /var %s/var && vumount -t vufs /usr %s/usr && exec "$@"'
                % (VIEW_DIR, VIEW_DIR))
INSIDE_KEYS = ("ai", "bi")


# --------------------------------------------------------------------------
# Command line and environment description
# --------------------------------------------------------------------------

def parse_args(argv: List[str]) -> argparse.Namespace:
    default_proot = "/opt/proot-5.4/proot"
    if not os.access(default_proot, os.X_OK):
        default_proot = shutil.which("proot") or "proot"
    p = argparse.ArgumentParser(
        description="Benchmark umvu against native execution and PRoot.",
        epilog="Workload keys for --only: " + ",".join(WORKLOAD_KEYS))
    p.add_argument("--runs", type=int, default=5,
                   help="runs per tool and workload (default 5)")
    p.add_argument("--proot", default=default_proot,
                   help="PRoot binary (default %(default)s)")
    p.add_argument("--umvu", default=str(REPO_ROOT / "bin" / "umvu"),
                   help="umvu launcher (default %(default)s)")
    p.add_argument("--only", default=None,
                   help="comma-separated workload keys to run (default: all)")
    p.add_argument("--no-unpinned", action="store_true",
                   help="skip the unpinned setting")
    p.add_argument("--no-pinned", action="store_true",
                   help="skip the setting pinned to CPU " + PIN_CPU)
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds before one run is killed (default %(default)s)")
    p.add_argument("--mount", action="store_true",
                   help="run umvu with vufs bind mounts active (see above)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.only:
        args.only = [k.strip() for k in args.only.split(",") if k.strip()]
        unknown = [k for k in args.only if k not in WORKLOAD_KEYS]
        if unknown:
            p.error("unknown workload key(s) %s; known: %s"
                    % (",".join(unknown), ",".join(WORKLOAD_KEYS)))
        if not args.mount and any(k in INSIDE_KEYS for k in args.only):
            p.error("workloads %s need --mount" % ",".join(INSIDE_KEYS))
    else:
        args.only = [k for k in WORKLOAD_KEYS if args.mount or k not in INSIDE_KEYS]
    if args.no_pinned and args.no_unpinned:
        p.error("--no-pinned and --no-unpinned together leave nothing to run")
    return args


def command_output(argv: List[str]) -> str:
    """Output of a short informational command, or '' if it cannot run."""
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True, timeout=30)
        return r.stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def proot_version(proot: str) -> str:
    """'5.4.0 (process_vm = yes, seccomp_filter = yes)' from `proot --version`."""
    out = command_output([proot, "--version"])
    m = re.search(r"(\d+\.\d+\.\d+\S*)", out)
    if not m:
        return "unknown (could not run `%s --version`)" % proot
    version = m.group(1)
    accel = re.search(r"accelerators:\s*(.*)", out)
    if accel:
        version += " (accelerators: %s)" % accel.group(1).strip()
    return version


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_header(args: argparse.Namespace, umvu_ok: bool, proot_ok: bool) -> None:
    cmd = shlex.join(["python3"] + sys.argv)
    commit = command_output(["git", "-C", str(REPO_ROOT), "rev-parse", "--short",
                             "HEAD"]).strip()
    if not re.fullmatch(r"[0-9a-f]{4,40}", commit):
        commit = "none (no commit yet)"
    print("## Benchmark run")
    print()
    print("- command: `%s`" % cmd)
    print("- date: %s" % datetime.datetime.now().astimezone().strftime(
        "%Y-%m-%d %H:%M:%S %Z"))
    print("- kernel (`uname -r`): %s" % platform.release())
    print("- CPU: %s, %d online" % (cpu_model(), os.cpu_count() or 0))
    print("- PRoot: `%s`, version %s%s" % (
        args.proot, proot_version(args.proot) if proot_ok else "-",
        "" if proot_ok else " (NOT FOUND)"))
    if os.environ.get("PROOT_NO_SECCOMP"):
        print("- WARNING: PROOT_NO_SECCOMP is set, PRoot runs without seccomp "
              "acceleration")
    print("- umvu: `%s`%s, repository commit %s" % (
        args.umvu, "" if umvu_ok else " (NOT FOUND / not executable)", commit))
    print("- %d run(s) per tool, interleaved native, umvu, proot; medians shown"
          % args.runs)
    if args.mount:
        print("- umvu runs with vufs bind mounts active: `%s`" % MOUNT_SCRIPT)
    print()
    print("Two measures: workloads (a)-(e) are timed in view, by bench/timeit.c "
          "running under the tool (`<tool> timeit <workload>`), so their main "
          "figures and targets show what the tool costs the workload itself, "
          "without the tool's own start-up, which is reported on its own row "
          "(`true` (startup)). The wall time of the whole command, start-up "
          "included, is given in a second, smaller table per setting.")
    print()
    sys.stdout.flush()


# --------------------------------------------------------------------------
# Workload preparation (temp dir, generated C file, timing program)
# --------------------------------------------------------------------------

C_BLOCK = """\
/* block {i} */
struct rec_{i} {{
\tint id;
\tlong total;
\tshort kind;
\tchar tag[8];
}};

static long step_{i}(struct rec_{i} *r, int n)
{{
\tlong acc = {i};
\tint k;

\tfor (k = 0; k < n; k++) {{
\t\tswitch ((k + r->kind) & 3) {{
\t\tcase 0:
\t\t\tacc += (long)k * {mul};
\t\t\tbreak;
\t\tcase 1:
\t\t\tacc -= r->id ^ k;
\t\t\tbreak;
\t\tcase 2:
\t\t\tacc ^= (acc << 3) + {i};
\t\t\tbreak;
\t\tdefault:
\t\t\tr->tag[k & 7] = (char)(acc & 0x7f);
\t\t\tbreak;
\t\t}}
\t}}
\twhile (acc > 100000 || acc < -100000)
\t\tacc /= 3;
\tr->total += acc;
\treturn acc;
}}

long run_{i}(long seed)
{{
\tstruct rec_{i} r = {{ (int)seed, 0, {kind}, "" }};

\treturn step_{i}(&r, (int)(seed & 63) + {i}) + r.total + {prev};
}}

"""


def generate_c_source(path: Path, min_lines: int = GENERATED_C_LINES) -> int:
    """Write a C file of many small struct/loop/switch functions; return lines.

    Compiling it exercises gcc's front and middle end the way real code does
    (many functions, control flow), while the output stays deterministic.
    """
    parts = ["/* generated by bench/run-benchmark.py for workload (d) */\n\n"]
    lines = 2
    i = 0
    while lines < min_lines:
        block = C_BLOCK.format(i=i, mul=i % 7 + 1, kind=i % 5,
                               prev=("run_%d(seed - 1)" % (i - 1)) if i else "0")
        parts.append(block)
        lines += block.count("\n")
        i += 1
    path.write_text("".join(parts))
    return lines


def compile_timing_program(tmpdir: Path) -> Path:
    exe = tmpdir / "syscall-timing"
    subprocess.run(["gcc", "-O2", "-o", str(exe), str(TIMING_SOURCE)], check=True)
    return exe


def compile_timeit(tmpdir: Path) -> Path:
    exe = tmpdir / "timeit"
    subprocess.run(["gcc", "-O2", "-o", str(exe), str(TIMEIT_SOURCE)], check=True)
    return exe


@dataclass
class Context:
    tmpdir: Path
    c_source: Path
    c_object: Path
    timing_exe: Path
    rss_file: Path
    timeit_exe: Path
    timeit_file: Path  # where timeit writes its line (TIMEIT_FD), per run


def prepare(tmpdir: Path, keys: List[str]) -> Context:
    ctx = Context(tmpdir=tmpdir, c_source=tmpdir / "generated.c",
                  c_object=tmpdir / "generated.o",
                  timing_exe=tmpdir / "syscall-timing",
                  rss_file=tmpdir / "rss.txt",
                  timeit_exe=tmpdir / "timeit",
                  timeit_file=tmpdir / "timeit.txt")
    if "d" in keys:
        n = generate_c_source(ctx.c_source)
        log("generated %s (%d lines)" % (ctx.c_source, n))
    if "f" in keys:
        compile_timing_program(tmpdir)
        log("compiled %s" % ctx.timing_exe)
    if any(w.inview for w in WORKLOADS if w.key in keys):
        compile_timeit(tmpdir)
        log("compiled %s" % ctx.timeit_exe)
    return ctx


# --------------------------------------------------------------------------
# Workloads: each turns a run into a dict of metrics
# --------------------------------------------------------------------------

def parse_timing_output(out: str) -> Dict[str, float]:
    metrics = {}
    for line in out.splitlines():
        m = re.fullmatch(r"\s*(stat_us|getpid_us)\s+([0-9.]+)\s*", line)
        if m:
            metrics[m.group(1)] = float(m.group(2))
    if set(metrics) != {"stat_us", "getpid_us"}:
        raise ValueError("unexpected syscall-timing output: %r" % out[:200])
    return metrics


def parse_timeit_output(text: str) -> float:
    """Seconds from bench/timeit.c's line `timeit: <seconds>`."""
    m = re.fullmatch(r"timeit: ([0-9]+\.[0-9]+)\s*", text)
    if not m:
        raise ValueError("unexpected timeit output: %r" % text[:200])
    return float(m.group(1))


@dataclass
class Workload:
    key: str
    # argv of the workload itself, before the tool prefix is put in front
    argv: Callable[[Context], List[str]]
    # True: capture stdout and hand it to `metrics` (for (f))
    capture: bool = False
    # turns (wall seconds, stdout, context) into the metrics of one run
    metrics: Callable[[float, str, Context], Dict[str, float]] = \
        lambda wall, out, ctx: {"wall": wall}
    # prefix that goes around the tool (for /usr/bin/time)
    outer: Callable[[Context], List[str]] = lambda ctx: []
    # True: run as `<tool> timeit <argv>`; the metrics of a run are then
    # "inview" (timeit's figure, tool start-up excluded) and "whole" (wall
    # time of the whole command), and `metrics` is not used
    inview: bool = False
    # True: under umvu --mount, the workload's /usr is the view's bind of it
    inside: bool = False


def read_rss_mib(wall: float, out: str, ctx: Context) -> Dict[str, float]:
    # GNU time's %M is the peak RSS in KiB of the largest process it waited
    # for, which for umvu is the JVM.
    text = ctx.rss_file.read_text().strip().splitlines()
    return {"rss_mib": int(text[-1]) / 1024.0}


SH_LOOP_SPAWN = "i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done"
SH_LOOP_ARITH = "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done"

WORKLOADS = [
    Workload("a", lambda c: ["find", "/usr", "-size", "+0"], inview=True),
    Workload("b", lambda c: ["sh", "-c",
                             "tar cf - -C /usr include share/man | cat >/dev/null"],
             inview=True),
    Workload("ai", lambda c: ["find", "/usr", "-size", "+0"], inview=True, inside=True),
    Workload("bi", lambda c: ["sh", "-c",
                              "tar cf - -C /usr include share/man | cat >/dev/null"],
             inview=True, inside=True),
    Workload("c", lambda c: ["sh", "-c", SH_LOOP_SPAWN], inview=True),
    Workload("d", lambda c: ["gcc", "-O0", "-c", str(c.c_source),
                             "-o", str(c.c_object)], inview=True),
    Workload("e", lambda c: ["sh", "-c", SH_LOOP_ARITH], inview=True),
    Workload("f", lambda c: [str(c.timing_exe)], capture=True,
             metrics=lambda wall, out, c: parse_timing_output(out)),
    Workload("true", lambda c: ["true"]),
    Workload("rss", lambda c: ["find", "/usr", "-maxdepth", "2"],
             metrics=read_rss_mib,
             outer=lambda c: ["/usr/bin/time", "-f", "%M", "-o", str(c.rss_file)]),
]
WORKLOAD_KEYS = [w.key for w in WORKLOADS]


# --------------------------------------------------------------------------
# Running one command
# --------------------------------------------------------------------------

def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def tool_prefix(tool: str, args: argparse.Namespace) -> List[str]:
    if tool == "umvu":
        return [args.umvu] + (["sh", "-c", MOUNT_SCRIPT, "sh"] if args.mount else [])
    if tool == "proot":
        return [args.proot] + PROOT_ARGS
    return []


def build_command(w: Workload, tool: str, pinned: bool, ctx: Context,
                  args: argparse.Namespace) -> List[str]:
    # taskset goes outermost so that the tracer (and /usr/bin/time) are
    # pinned too, not only the traced workload.
    pin = ["taskset", "-c", PIN_CPU] if pinned else []
    timeit = [str(ctx.timeit_exe)] if w.inview else []
    argv = w.argv(ctx)
    if w.inside and tool == "umvu":
        argv = [a.replace("/usr", VIEW_DIR + "/usr") for a in argv]
    return pin + w.outer(ctx) + tool_prefix(tool, args) + timeit + argv


def run_timed(argv: List[str], capture: bool, cwd: Path,
              timeout: float, report_fd: Optional[int] = None
              ) -> Tuple[float, str, Optional[str]]:
    """Run argv; return (wall seconds, stdout, error or None).

    The child gets its own process group so that on a timeout the whole
    tree (tracer and tracees) can be killed, not only the direct child.
    If report_fd is given, the child inherits it and finds its number in
    TIMEIT_FD (where bench/timeit.c writes its line).
    """
    stdout = subprocess.PIPE if capture else subprocess.DEVNULL
    env, pass_fds = None, ()
    if report_fd is not None:
        env = dict(os.environ, TIMEIT_FD=str(report_fd))
        pass_fds = (report_fd,)
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.DEVNULL, cwd=str(cwd),
                                text=True, start_new_session=True,
                                env=env, pass_fds=pass_fds)
    except OSError as e:
        return 0.0, "", "cannot start: %s" % e.strerror
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        return time.perf_counter() - start, "", "timeout after %.0f s" % timeout
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return wall, out or "", "exit status %d" % proc.returncode
    return wall, out or "", None


# --------------------------------------------------------------------------
# Measuring: interleaved runs per setting
# --------------------------------------------------------------------------

@dataclass
class ToolResult:
    runs: List[Dict[str, float]] = field(default_factory=list)
    error: Optional[str] = None

    command: Optional[str] = None  # the command line that failed, if one did

    def median(self, metric: str) -> Optional[float]:
        values = [r[metric] for r in self.runs if metric in r]
        return statistics.median(values) if values else None


def run_workload(w: Workload, argv: List[str], ctx: Context,
                 args: argparse.Namespace
                 ) -> Tuple[float, Optional[Dict[str, float]], Optional[str]]:
    """Run one command of workload w; return (wall, metrics or None, error)."""
    if not w.inview:
        wall, out, err = run_timed(argv, w.capture, ctx.tmpdir, args.timeout)
        if err is not None:
            return wall, None, err
        try:
            return wall, w.metrics(wall, out, ctx), None
        except (ValueError, OSError, IndexError) as e:
            return wall, None, "bad output: %s" % e
    # timeit writes its line to a fresh file in the temp dir, through an fd
    # the whole command inherits (umvu and PRoot hand it on to the guest).
    fd = os.open(str(ctx.timeit_file),
                 os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        wall, _, err = run_timed(argv, w.capture, ctx.tmpdir, args.timeout,
                                 report_fd=fd)
    finally:
        os.close(fd)
    if err is not None:
        return wall, None, err
    try:
        inview = parse_timeit_output(ctx.timeit_file.read_text())
    except (ValueError, OSError) as e:
        return wall, None, "bad output: %s" % e
    return wall, {"inview": inview, "whole": wall}, None


def measure_workloads(ws: List[Workload], pinned: bool, ctx: Context,
                      args: argparse.Namespace,
                      available: Dict[str, Optional[str]]) -> Dict[str, Dict[str, ToolResult]]:
    """Runs the workloads ws round by round, each with every tool in turn, so that workloads
    whose times are compared with each other (inside a mount and outside it) meet this
    noisy machine in the same state."""
    results = {w.key: {t: ToolResult(error=available[t]) for t in TOOLS} for w in ws}
    for w in ws:
        # One untimed native run first, so the first timed native run does not
        # pay alone for a cold page cache (find and tar read a lot of metadata).
        run_workload(w, build_command(w, "native", pinned, ctx, args), ctx, args)
    for i in range(args.runs):
        for w in ws:
            line = []
            for tool in TOOLS:
                res = results[w.key][tool]
                if res.error:  # unavailable, or failed before: don't retry it
                    line.append("%s -" % tool)
                    continue
                argv = build_command(w, tool, pinned, ctx, args)
                wall, metrics, err = run_workload(w, argv, ctx, args)
                if err:
                    res.error, res.command = err, shlex.join(argv)
                    log("  %s failed: %s\n    command: %s" % (tool, err, shlex.join(argv)))
                    line.append("%s ERR" % tool)
                else:
                    res.runs.append(metrics)
                    if w.inview:
                        line.append("%s %.3fs (whole %.3fs)"
                                    % (tool, metrics["inview"], wall))
                    else:
                        line.append("%s %.3fs" % (tool, wall))
            log("[%s] (%s) run %d/%d: %s" % ("pinned" if pinned else "unpinned",
                                              w.key, i + 1, args.runs, ", ".join(line)))
    return results


def measured_together(keys: List[str]) -> List[List[Workload]]:
    """The selected workloads in groups measured together: each inside workload ("ai") with
    the same workload outside the mount ("a"), every other one alone."""
    groups = []
    for w in WORKLOADS:
        if w.key not in keys or w.key in INSIDE_KEYS:
            continue
        inside = [x for x in WORKLOADS if x.key == w.key + "i" and x.key in keys]
        groups.append([w] + inside)
    # An inside workload chosen without its outside one (--only ai) is measured alone.
    chosen = {w.key for group in groups for w in group}
    groups += [[w] for w in WORKLOADS if w.key in keys and w.key not in chosen]
    return groups


# --------------------------------------------------------------------------
# Targets and the report
# --------------------------------------------------------------------------

# A target takes (umvu ratio, proot ratio, umvu value) and returns
# (text shown in the table, pass?) -- pass is None when it cannot be judged.
Target = Callable[[Optional[float], Optional[float], Optional[float]],
                  Tuple[str, Optional[bool]]]


def half_proot_overhead(u_ratio, p_ratio, u_value):
    """umvu's overhead over native at most half of PRoot's in the same run.

    A PRoot ratio below 1 is run-to-run noise (PRoot cannot make a workload
    faster), so the target never goes below 1.00x: asking umvu to beat
    native would turn noise into a MISS.
    """
    if p_ratio is None:
        return "n/a (no PRoot figure)", None
    target = max(1.0, 1 + (p_ratio - 1) / 2)
    return "≤ %.2f×" % target, None if u_ratio is None else u_ratio <= target


# With --mount, the framework issue's targets: PRoot 5.4's ratios to native with one -b
# binding, measured on these machines in November 2026 with every process pinned to one CPU
# (the anchors), and its absolute stat time.
MOUNTED_ANCHORS = {"a": 14.3, "b": 8.6, "c": 1.58, "d": 1.08, "e": 1.01}
MOUNTED_STAT_US = 16.5


def at_most_anchor(anchor: float) -> Target:
    """With a mount active: umvu's ratio to native at most PRoot's anchor ratio.

    PRoot's ratio from the same run is in its own column, for comparison: on a day when
    this machine runs PRoot's stops faster or slower than in November, it moves.
    """
    def check(u_ratio, p_ratio, u_value):
        return "≤ %.2f× (PRoot's anchor)" % anchor, None if u_ratio is None else u_ratio <= anchor
    return check


def within_of_outside(outside: Optional[float], unit: str) -> Target:
    """Inside the mount: umvu's time at most 1.2 times its time for the same workload outside it.

    Both are umvu's own medians of the same run, compared directly: the natives of the two
    rows run the same workload, and dividing each by its own native median would only add
    their noise.
    """
    def check(u_ratio, p_ratio, u_value):
        if outside is None:
            return "n/a (no outside figure)", None
        limit = 1.2 * outside
        text = "≤ %.3f %s (1.2 × outside)" % (limit, unit)
        if u_value is not None:
            text += ", now %.2f×" % (u_value / outside)
        return text, None if u_value is None else u_value <= limit
    return check


def ratio_at_most(limit: float) -> Target:
    def check(u_ratio, p_ratio, u_value):
        return "≤ %.2f×" % limit, None if u_ratio is None else u_ratio <= limit
    return check


def value_below(limit: float, unit: str) -> Target:
    def check(u_ratio, p_ratio, u_value):
        return "< %g %s" % (limit, unit), None if u_value is None else u_value < limit
    return check


def value_at_most(limit: float, unit: str) -> Target:
    def check(u_ratio, p_ratio, u_value):
        return "≤ %g %s" % (limit, unit), None if u_value is None else u_value <= limit
    return check


@dataclass
class Row:
    key: str          # workload key
    metric: str       # metric name in the run dicts
    label: str
    unit: str
    fmt: str
    target: Optional[Target]


INVIEW_LABELS = [
    ("a", "(a) `find /usr -size +0`"),
    ("b", "(b) `tar cf - -C /usr include share/man | cat`"),
    ("ai", "(a) inside the mount"),
    ("bi", "(b) inside the mount"),
    ("c", "(c) 500 × `/bin/true` from sh"),
    ("d", "(d) `gcc -O0 -c` of a ~%d-line C file" % GENERATED_C_LINES),
    ("e", "(e) sh loop, 1,000,000 iterations"),
]

ROWS = [
    Row(key, "inview", label + ", in view", "s", "%.3f", half_proot_overhead)
    for key, label in INVIEW_LABELS
] + [
    Row("f", "stat_us", "(f) `stat()` per call", "µs", "%.3f", half_proot_overhead),
    Row("f", "getpid_us", "(f) `syscall(SYS_getpid)` per call", "µs", "%.3f",
        ratio_at_most(1.5)),
    Row("true", "wall", "`true` (startup), wall", "s", "%.3f", value_below(0.25, "s")),
    Row("rss", "rss_mib", "peak RSS, `find /usr -maxdepth 2`", "MiB", "%.1f", None),
]


def cell(res: ToolResult, row: Row) -> str:
    v = res.median(row.metric)
    if v is None:
        return "error: %s" % (res.error or "no data")
    text = (row.fmt % v) + " " + row.unit
    if res.error:  # some runs succeeded before a failure
        text += " (then %s)" % res.error
    return text


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def md(text: str) -> str:
    """Escape a table cell: a bare '|' (as in `tar ... | cat`) ends the cell."""
    return text.replace("|", "\\|")


def fmt_ratio(r: Optional[float]) -> str:
    return "-" if r is None else "%.2f×" % r


# Whole command, tool start-up included: shown for reference, no targets.
WHOLE_ROWS = [Row(key, "whole", label, "s", "%.3f", None)
              for key, label in INVIEW_LABELS]


def print_whole_table(title: str,
                      results: Dict[str, Dict[str, ToolResult]]) -> None:
    rows = [row for row in WHOLE_ROWS if row.key in results]
    if not rows:
        return
    print("#### %s — whole command, start-up included" % title)
    print()
    print("| workload | native | umvu | proot | umvu ÷ native | proot ÷ native |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        r = results[row.key]
        nat, umv, pro = (r[t].median(row.metric) for t in TOOLS)
        cells = [row.label] + [cell(r[t], row) for t in TOOLS] + [
            fmt_ratio(ratio(umv, nat)), fmt_ratio(ratio(pro, nat))]
        print("| " + " | ".join(md(c) for c in cells) + " |")
    print()
    sys.stdout.flush()


def row_target(row: Row, results: Dict[str, Dict[str, ToolResult]],
               mount: bool) -> Optional[Target]:
    """The row's target; with --mount, the targets of the mounted view."""
    if not mount or row.target is None or row.key in ("true", "rss"):
        return row.target
    if row.key in INSIDE_KEYS:
        outside = results.get(row.key[0])
        return within_of_outside(None if outside is None else outside["umvu"].median(row.metric), row.unit)
    if row.metric == "getpid_us":
        return row.target
    if row.metric == "stat_us":
        return value_at_most(MOUNTED_STAT_US, "µs")
    return at_most_anchor(MOUNTED_ANCHORS[row.key])


def print_table(title: str, results: Dict[str, Dict[str, ToolResult]],
                mount: bool = False) -> None:
    print("### %s" % title)
    print()
    print("| workload | native | umvu | proot | umvu ÷ native | proot ÷ native "
          "| umvu target | result |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in ROWS:
        if row.key not in results:
            continue
        r = results[row.key]
        nat, umv, pro = (r[t].median(row.metric) for t in TOOLS)
        u_ratio, p_ratio = ratio(umv, nat), ratio(pro, nat)
        target = row_target(row, results, mount)
        if target is None:
            target_text, ok = "-", None
        else:
            target_text, ok = target(u_ratio, p_ratio, umv)
        verdict = "-" if target is None else (
            "n/a" if ok is None else ("PASS" if ok else "MISS"))
        cells = [row.label] + [cell(r[t], row) for t in TOOLS] + [
            fmt_ratio(u_ratio), fmt_ratio(p_ratio), target_text, verdict]
        print("| " + " | ".join(md(c) for c in cells) + " |")
    print()
    sys.stdout.flush()


def print_failures(title: str, results: Dict[str, Dict[str, ToolResult]]) -> None:
    failed = [(key, tool, res) for key, per_tool in results.items()
              for tool, res in per_tool.items() if res.command]
    if not failed:
        return
    print("Failures (%s):" % title)
    print()
    for key, tool, res in failed:
        print("- (%s) %s: %s — `%s`" % (key, tool, res.error, res.command))
    print()


def print_notes() -> None:
    print("Notes: medians over the runs; (a)-(e) \"in view\" is the time "
          "bench/timeit.c measured running under the tool (fork, exec and wait of "
          "the workload; the tool's start-up left out), and targets use it; the "
          "\"whole command\" tables give the wall time of the whole command, "
          "start-up included, for reference; (f) rows are per-call times reported by "
          "bench/syscall-timing.c, not wall time; umvu targets other than getpid and "
          "startup are 1 + (PRoot ratio − 1)/2 from the same run, i.e. umvu's overhead "
          "over native at most half of PRoot's (never below 1.00×); peak RSS is GNU time's %M (largest "
          "process of the tree, for umvu the JVM), no target. PRoot runs as `proot "
          "-b /tmp:/tmp`.")
    print()


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def check_tools(args: argparse.Namespace) -> Dict[str, Optional[str]]:
    """Per tool, None if usable or the reason it is not (shown in its column)."""
    available: Dict[str, Optional[str]] = {"native": None}
    available["umvu"] = None if os.access(args.umvu, os.X_OK) else "missing"
    proot = shutil.which(args.proot) if "/" not in args.proot else args.proot
    available["proot"] = None if proot and os.access(proot, os.X_OK) else "missing"
    return available


def settings(args: argparse.Namespace) -> List[bool]:
    out = []
    if not args.no_pinned:
        cpus = os.sched_getaffinity(0)
        if int(PIN_CPU) not in cpus or not shutil.which("taskset"):
            log("warning: cannot pin to CPU %s (CPUs %s, taskset %s); skipping the "
                "pinned setting" % (PIN_CPU, sorted(cpus), shutil.which("taskset")))
        else:
            out.append(True)
    if not args.no_unpinned:
        out.append(False)
    return out


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    available = check_tools(args)
    if "rss" in args.only and not os.access("/usr/bin/time", os.X_OK):
        log("warning: /usr/bin/time missing (apt-get install time); skipping rss")
        args.only.remove("rss")
    if not shutil.which("gcc") and ("d" in args.only or "f" in args.only):
        log("error: gcc is needed for workloads d and f")
        return 2
    print_header(args, available["umvu"] is None, available["proot"] is None)
    for tool, why in available.items():
        if why:
            log("warning: %s is %s (%s); its column will show an error"
                % (tool, why, args.umvu if tool == "umvu" else args.proot))

    tmpdir = Path(tempfile.mkdtemp(prefix="jvuos-bench-"))
    try:
        ctx = prepare(tmpdir, args.only)
        for pinned in settings(args):
            results = {}
            for group in measured_together(args.only):
                results.update(measure_workloads(group, pinned, ctx, args, available))
            title = ("Pinned to CPU %s (`taskset -c %s` around everything)"
                     % (PIN_CPU, PIN_CPU)) if pinned else "Unpinned"
            print_table(title, results, args.mount)
            print_whole_table(title, results)
            print_failures("pinned" if pinned else "unpinned", results)
        print_notes()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
