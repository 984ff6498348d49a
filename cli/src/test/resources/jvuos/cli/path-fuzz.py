"""Random path operations, one line each: run in a view where D/src is shown at D/mnt, once
with the kernel's bind mount and once under umvu (vufs); the two outputs must be identical.
argv: D, the seed, the number of operations, and optionally "more": the mount point's own
name among the names, and calls with two directory fds and renameat2's flags. The tree is made here, so both runs start alike;
every operation goes through random paths mixing the mount, the host around it, symlinks
into and out of it, "..", "." and trailing slashes, some relative to a directory fd or to a
working directory inside the mount."""
import ctypes
import errno
import os
import random
import stat
import sys

ROOT, SEED, COUNT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
MORE = sys.argv[4:] == ["more"]
# The tree lies two levels below the run's directory, a path climbs with ".." at most twice,
# and no symlink made here climbs: nothing reaches above the run's own directory. (chmod keeps
# the owner's rwx, so that an unprivileged run sees what a root one sees.)
D = ROOT + "/t/u"
M = D + "/mnt"
rng = random.Random(SEED)

NAMES = ["a", "b", "f", "g", "rel", "abs-in", "out", "up", "loop", "dangling", "..", ".", "new", "n2"]
if MORE:
    NAMES.append("mnt")
# No path leads to D/src by its own name: an fd opened on it that way and one opened through
# the mount hold the same host file, which a record cannot tell apart (docs/architecture.md).
BASES = [M, M + "/a", D + "/outside", D]


def outcome(fn):
    try:
        return fn()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def shown(value):
    """A result as text, with the tree's directory written as D (short, and alike in both runs)."""
    return str(value).replace(D, "D").replace(ROOT, "R")


def kind(st):
    t = stat.S_IFMT(st.st_mode)
    return f"{t:o} {st.st_size if stat.S_ISREG(t) or stat.S_ISLNK(t) else '-'} {stat.S_IMODE(st.st_mode):o}"


def names(count):
    parts = [rng.choice(NAMES) for _ in range(count)]
    ups = [i for i, p in enumerate(parts) if p == ".."]
    for i in ups[2:]:
        parts[i] = "b"
    return parts


def random_path():
    parts = names(rng.randint(1, 4))
    path = "/".join(parts)
    if rng.random() < 0.15:
        path += "/"
    return path if rng.random() < 0.3 else rng.choice(BASES) + "/" + path


def listing(path):
    return sorted(os.listdir(path))


def make_tree():
    os.makedirs(D + "/src/a/b", exist_ok=True)  # (and ROOT/t/u above it)
    os.makedirs(D + "/outside/o", exist_ok=True)
    os.makedirs(M, exist_ok=True)
    for name, text in (("src/f", "file f\n"), ("src/a/g", "gg\n"), ("outside/f", "outside f\n")):
        with open(D + "/" + name, "w") as out:
            out.write(text)
    for target, link in (("a", "src/rel"), (M + "/a", "src/abs-in"), (D + "/outside", "src/out"),
                         ("..", "src/a/up"), ("loop", "src/loop"), ("nothing", "src/dangling"),
                         (M + "/f", "outside/g"), ("../mnt", "outside/up")):
        os.symlink(target, D + "/" + link)


RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
LIBC = ctypes.CDLL(None, use_errno=True)


def renameat2(old, new, flags):
    if LIBC.renameat2(-100, os.fsencode(old), -100, os.fsencode(new), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def operations():
    """Each: (name, function of a fresh random choice) -> the text it prints."""
    def with_dirfd(fn):
        base = rng.choice(BASES + [M + "/rel", M + "/abs-in", D + "/outside/up"])
        fd = outcome(lambda: os.open(base, os.O_RDONLY | os.O_DIRECTORY))
        if not isinstance(fd, int):
            return f"dirfd {shown(base)}: {fd}"
        try:
            return f"at {shown(base)} ({shown(os.readlink(f'/proc/self/fd/{fd}'))}): {fn(fd)}"
        finally:
            os.close(fd)

    def two_at(fn):
        """fn(p, fd, q, fd2): names relative to two directory fds, sometimes absolute."""
        return with_dirfd(lambda fd: with_dirfd(lambda fd2: (lambda p, q: f"{shown(p)} {shown(q)} {shown(outcome(lambda: fn(p, fd, q, fd2)))}")(
            random_relative() if rng.random() < 0.8 else random_path(), random_relative() if rng.random() < 0.8 else random_path())))

    def in_cwd(fn):
        base = rng.choice(BASES + [M + "/a/b", M + "/rel"])
        done = outcome(lambda: os.chdir(base))
        try:
            return f"in {shown(base)} ({done}, {shown(outcome(os.getcwd))}): {fn()}"
        finally:
            os.chdir(D)

    def stat_of(follow):
        p = random_path()
        return f"{shown(p)} {shown(outcome(lambda: kind(os.stat(p, follow_symlinks=follow))))}"

    def opened(flags):
        p = random_path()

        def go():
            fd = os.open(p, flags, 0o640)
            try:
                return shown(os.readlink(f"/proc/self/fd/{fd}"))
            finally:
                os.close(fd)
        return f"{shown(p)} {outcome(go)}"

    def two(fn):
        p, q = random_path(), random_path()
        return f"{shown(p)} {shown(q)} {shown(outcome(lambda: fn(p, q)))}"

    def one(fn):
        p = random_path()
        return f"{shown(p)} {shown(outcome(lambda: fn(p)))}"

    return [
        ("stat", lambda: stat_of(True)),
        ("lstat", lambda: stat_of(False)),
        ("readlink", lambda: one(os.readlink)),
        ("open", lambda: opened(os.O_RDONLY)),
        ("open dir", lambda: opened(os.O_RDONLY | os.O_DIRECTORY)),
        ("open nofollow", lambda: opened(os.O_RDONLY | os.O_NOFOLLOW)),
        ("create", lambda: opened(os.O_WRONLY | os.O_CREAT | os.O_EXCL)),
        ("access", lambda: one(lambda p: os.access(p, os.R_OK))),
        ("listdir", lambda: one(listing)),
        ("mkdir", lambda: one(os.mkdir)),
        ("rmdir", lambda: one(os.rmdir)),
        ("unlink", lambda: one(os.unlink)),
        ("rename", lambda: two(os.rename)),
        ("link", lambda: two(os.link)),
        ("symlink", lambda: two(lambda target, p: os.symlink(target.replace("..", "b"), p))),
        ("chmod", lambda: one(lambda p: os.chmod(p, rng.choice([0o700, 0o755])))),
        ("at stat", lambda: with_dirfd(lambda fd: (lambda p: f"{shown(p)} {outcome(lambda: kind(os.stat(p, dir_fd=fd, follow_symlinks=False)))}")(rng.choice(NAMES)))),
        ("at open", lambda: with_dirfd(lambda fd: (lambda p: f"{shown(p)} {outcome(lambda: shown(where(os.open(p, os.O_RDONLY, dir_fd=fd))))}")(random_relative()))),
        ("at mkdir", lambda: with_dirfd(lambda fd: (lambda p: f"{shown(p)} {outcome(lambda: os.mkdir(p, dir_fd=fd))}")(random_relative()))),
        ("cwd stat", lambda: in_cwd(lambda: (lambda p: f"{shown(p)} {outcome(lambda: kind(os.stat(p)))}")(random_relative()))),
        ("cwd listdir", lambda: in_cwd(lambda: (lambda p: f"{shown(p)} {outcome(lambda: listing(p))}")(random_relative()))),
    ] + ([
        ("at rename", lambda: two_at(lambda p, fd, q, fd2: os.rename(p, q, src_dir_fd=fd, dst_dir_fd=fd2))),
        ("at link", lambda: two_at(lambda p, fd, q, fd2: os.link(p, q, src_dir_fd=fd, dst_dir_fd=fd2,
                                                                 follow_symlinks=rng.random() < 0.5))),
        ("at unlink", lambda: with_dirfd(lambda fd: (lambda p: f"{shown(p)} {outcome(lambda: os.unlink(p, dir_fd=fd))}")(random_relative()))),
        ("at rmdir", lambda: with_dirfd(lambda fd: (lambda p: f"{shown(p)} {outcome(lambda: os.rmdir(p, dir_fd=fd))}")(random_relative()))),
        ("rename noreplace", lambda: two(lambda p, q: renameat2(p, q, RENAME_NOREPLACE))),
        ("rename exchange", lambda: two(lambda p, q: renameat2(p, q, RENAME_EXCHANGE))),
    ] if MORE else [])


def random_relative():
    return "/".join(names(rng.randint(1, 3)))


def where(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


if os.environ.get("FUZZ_MAKE_TREE"):
    make_tree()
    sys.exit(0)
os.chdir(D)
ops = operations()
for i in range(COUNT):
    name, op = rng.choice(ops)
    print(f"{i} {name} {op()}")
