"""Path resolution edge cases, one line each: run in a bind-mount view (kernel) and in a vufs
view (umvu), the two outputs must be identical. argv[1] is the test directory D, whose
D/src is shown at D/mnt."""
import errno
import mmap
import os
import stat
import sys

D = sys.argv[1]
M = D + "/mnt"


def outcome(fn):
    """fn's result, or the name of the errno it fails with."""
    try:
        return fn()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def show(label, fn):
    print(f"{label}: {outcome(fn)}")


def kind(st):
    return f"{stat.S_IFMT(st.st_mode):o} {st.st_size if stat.S_ISREG(st.st_mode) else '-'}"


paths = [M, M + "/", M + "/a.txt", M + "/rel", M + "/abs-in", M + "/abs-in/b", M + "/out", M + "/out/o.txt",
         M + "/loop1", M + "/a.txt/", M + "/nonexistent/x", M + "/a.txt/x", M + "/sub/../a.txt",
         M + "/sub/../../outside/o.txt", M + "/..", M + "/../mnt/a.txt", M + "/./sub/./b", M + "//sub//b",
         M + "/up/a.txt", M + "/up/up/sub", D + "/outside/into-mnt", D + "/outside/../mnt/rel",
         M + "/" + "x" * 256, "/" + "y/" * 2100, M + "/sub/b/..", M + "/nonexistent/.."]
for p in paths:
    shown = p if len(p) < 200 else p[:40] + "...(" + str(len(p)) + ")"
    show("stat " + shown, lambda: kind(os.stat(p)))
    show("lstat " + shown, lambda: kind(os.lstat(p)))

show("readlink rel", lambda: os.readlink(M + "/rel"))
show("readlink abs-in", lambda: os.readlink(M + "/abs-in"))
show("readlink not-a-link", lambda: os.readlink(M + "/a.txt"))
show("realpath abs-in", lambda: os.path.realpath(M + "/abs-in/b"))
show("open O_NOFOLLOW link", lambda: os.close(os.open(M + "/rel", os.O_RDONLY | os.O_NOFOLLOW)))
show("open O_CREAT|O_EXCL existing", lambda: os.open(M + "/a.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
show("open O_CREAT|O_EXCL dangling link", lambda: os.open(M + "/loop1", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
show("open O_DIRECTORY file", lambda: os.open(M + "/a.txt", os.O_RDONLY | os.O_DIRECTORY))
show("open trailing slash file", lambda: os.open(M + "/a.txt/", os.O_RDONLY))


def openat2(path, flags, resolve, dirfd=-100):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    how = (ctypes.c_uint64 * 3)(flags, 0, resolve)
    fd = libc.syscall(437, dirfd, path.encode(), ctypes.byref(how), 24)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "openat2")
    os.close(fd)
    return "ok"


RESOLVE_NO_SYMLINKS = 0x04
show("openat2 plain", lambda: openat2(M + "/a.txt", os.O_RDONLY, RESOLVE_NO_SYMLINKS))
show("openat2 NO_SYMLINKS through a link", lambda: openat2(M + "/rel", os.O_RDONLY, RESOLVE_NO_SYMLINKS))
show("openat2 NO_SYMLINKS link dir", lambda: openat2(M + "/up/a.txt", os.O_RDONLY, RESOLVE_NO_SYMLINKS))
show("openat2 O_CREAT", lambda: openat2(M + "/made-by-openat2", os.O_CREAT | os.O_WRONLY, 0))
RESOLVE_NO_XDEV, RESOLVE_BENEATH, RESOLVE_IN_ROOT = 0x01, 0x08, 0x10
in_mount = os.open(M, os.O_RDONLY | os.O_DIRECTORY)
in_d = os.open(D, os.O_RDONLY | os.O_DIRECTORY)
for label, resolve in (("NO_XDEV", RESOLVE_NO_XDEV), ("BENEATH", RESOLVE_BENEATH), ("IN_ROOT", RESOLVE_IN_ROOT)):
    for start, fd in (("mnt", in_mount), ("D", in_d)):
        for p in ("a.txt", "sub/b", "sub/../a.txt", "mnt/a.txt", "/a.txt", "/mnt/a.txt", "../outside/o.txt"):
            show(f"openat2 {label} from {start}: {p}", lambda: openat2(p, os.O_RDONLY, resolve, fd))


def create_and_read_back():
    fd = os.open(M + "/new.txt", os.O_CREAT | os.O_WRONLY, 0o640)
    os.write(fd, b"written through the mount\n")
    os.close(fd)
    with open(D + "/src/new.txt") as f:
        return f.read().strip()


show("create in mount, read in source", create_and_read_back)


def through_dirfd():
    fd = os.open(M + "/sub", os.O_RDONLY | os.O_DIRECTORY)
    out = [kind(os.stat("b", dir_fd=fd)), kind(os.stat("../a.txt", dir_fd=fd)),
           kind(os.stat("../..", dir_fd=fd)), kind(os.stat("", dir_fd=fd, follow_symlinks=False) if False else os.fstat(fd))]
    up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    out.append(sorted(os.listdir(up)))
    out.append(kind(os.stat("sub/b", dir_fd=up)))
    upup = os.open("../outside", os.O_RDONLY | os.O_DIRECTORY, dir_fd=up)
    out.append(sorted(os.listdir(upup)))
    os.mkdir("made-at", dir_fd=fd)
    out.append(os.path.isdir(D + "/src/sub/made-at"))
    copies = [os.dup(fd), os.dup2(fd, 50), os.dup2(fd, 51, inheritable=False)]
    import fcntl
    copies.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 60))
    for copy in copies:
        parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=copy)
        out.append((sorted(os.listdir(parent)), kind(os.stat("../../outside/o.txt", dir_fd=copy))))
        os.close(parent)
        os.close(copy)
    for f in (fd, up, upup):
        os.close(f)
    return out


show("dirfd", through_dirfd)


def parent_through(copy):
    """What ".." of a directory fd holds: at the mount root it is the mount point's parent."""
    parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=copy)
    try:
        return sorted(os.listdir(parent))
    finally:
        os.close(parent)


def where(fd):
    """The path the kernel (or the view) shows for an fd: the mount's path for one opened through it."""
    return os.readlink(f"/proc/self/fd/{fd}")


def dups_as_fts_makes_them():
    # fts dups each directory it enters and closes the original: the copies keep the view path.
    import fcntl
    out = []
    fd = os.open(M, os.O_RDONLY | os.O_DIRECTORY)
    holes = [os.open("/", os.O_RDONLY) for _ in range(3)]
    os.close(holes[1])  # F_DUPFD from holes[0] must skip what is open and take this one
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, holes[0])
    out.append((copy == holes[1], where(copy)))
    os.close(fd)
    out.append(parent_through(copy))
    again = fcntl.fcntl(copy, fcntl.F_DUPFD, 0)
    os.close(copy)
    sub = os.open("sub", os.O_RDONLY | os.O_DIRECTORY, dir_fd=again)
    out.append((where(again), where(sub), parent_through(again), sorted(os.listdir(sub))))
    plain = os.dup(sub)
    os.close(sub)
    out.append((where(plain), parent_through(plain)))
    os.fchdir(plain)
    out.append(os.getcwd())
    os.chdir(D)
    for f in [holes[0], holes[2], again, plain]:
        os.close(f)
    return out


show("dups as fts makes them", dups_as_fts_makes_them)


def dup_errors():
    import fcntl
    import resource
    fd = os.open(M + "/sub", os.O_RDONLY | os.O_DIRECTORY)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    out = [outcome(lambda: fcntl.fcntl(fd, fcntl.F_DUPFD, minimum)) for minimum in (soft, -1)]
    os.close(fd)
    return out


show("dup errors", dup_errors)


def dup_beside_a_thread():
    # Another thread shares the fd table: it may take fds while the dup is made.
    import threading
    stop = threading.Event()
    worker = threading.Thread(target=lambda: [os.close(os.open("/", os.O_RDONLY)) for _ in iter(lambda: stop.is_set(), True)])
    worker.start()
    try:
        wrong = []
        for _ in range(100):
            fd = os.open(M + "/sub", os.O_RDONLY | os.O_DIRECTORY)
            copy = os.dup(fd)
            os.close(fd)
            if where(copy) != M + "/sub":
                wrong.append(where(copy))
            os.close(copy)
        return wrong
    finally:
        stop.set()
        worker.join()


show("dup beside a thread", dup_beside_a_thread)


def a_failed_open_leaves_no_record():
    # The open through the mount fails after its fd was foreseen; the same fd then holds the
    # source directory, opened by its own path: the kernel shows that path, not the mount's.
    # (A directory no earlier test opened: the record of an fd closed after it was opened
    # through the mount stays, a known gap, and would name any fd that holds the same file.)
    os.mkdir(D + "/src/fresh")
    dfd = os.open(M, os.O_RDONLY | os.O_DIRECTORY)
    failed = outcome(lambda: os.open("fresh", os.O_WRONLY, dir_fd=dfd))
    direct = os.open(D + "/src/fresh", os.O_RDONLY | os.O_DIRECTORY)
    out = [failed, where(direct)]
    os.close(direct)
    os.close(dfd)
    os.rmdir(D + "/src/fresh")
    return out


show("a failed open leaves no record", a_failed_open_leaves_no_record)


def trailing_slash_after_a_symlink():
    # abs-in links to the mount's sub: the slash after b must still make each call fail.
    out = [outcome(lambda: os.unlink(M + "/abs-in/b/")),
           outcome(lambda: os.rmdir(M + "/abs-in/b/")),
           outcome(lambda: os.rename(M + "/a.txt", M + "/abs-in/renamed/")),
           outcome(lambda: os.symlink("x", M + "/abs-in/made/"))]
    out.append((os.path.exists(D + "/src/sub/b"), os.path.exists(D + "/src/a.txt")))
    return out


show("trailing slash after a symlink", trailing_slash_after_a_symlink)


def cwd_moves():
    out = []
    os.chdir(M + "/sub")
    out.append(os.getcwd())
    out.append(kind(os.stat("../a.txt")))
    out.append(open("b").read().strip())
    os.chdir("..")
    out.append(os.getcwd())
    os.chdir("..")
    out.append(os.getcwd())
    fd = os.open(M + "/sub", os.O_RDONLY | os.O_DIRECTORY)
    os.fchdir(fd)
    out.append(os.getcwd())
    os.close(fd)
    os.chdir("rel-does-not-exist" if False else "/")
    os.chdir(D + "/outside/into-mnt/..")
    out.append(os.getcwd())
    os.chdir(D)
    return out


show("cwd", cwd_moves)
show("chdir into file", lambda: os.chdir(M + "/a.txt"))


def unshared_cwd():
    """A thread that unshares its cwd (CLONE_FS) and moves into the mount leaves the others' alone."""
    import ctypes
    import threading
    libc = ctypes.CDLL(None, use_errno=True)
    seen = []

    def thread():
        libc.unshare(0x200)
        os.chdir(M + "/sub")
        seen.append(os.getcwd())
        seen.append(open("b").read().strip())

    t = threading.Thread(target=thread)
    t.start()
    t.join()
    return [p.replace(D, "D") for p in seen + [os.getcwd()]]


show("unshare(CLONE_FS)", unshared_cwd)


def proc_links():
    os.chdir(M + "/sub")
    out = [outcome(lambda: os.readlink(p))
           for p in ("/proc/self/cwd", "/proc/self/cwd/", "/proc/self/fd/99999999999", "/proc/0123/cwd",
                     f"/proc/{os.getpid()}/task/{os.getpid()}/cwd")]
    os.chdir(D)
    return out


show("proc links", proc_links)


def exchange():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    os.makedirs(M + "/x1/in", exist_ok=True)
    os.makedirs(M + "/x2", exist_ok=True)
    os.chdir(M + "/x1/in")
    rc = libc.renameat2(-100, (M + "/x1").encode(), -100, (M + "/x2").encode(), 2)  # RENAME_EXCHANGE
    out = [rc if rc == 0 else errno.errorcode[ctypes.get_errno()], os.getcwd(), os.readlink("/proc/self/cwd")]
    os.chdir(D)
    return out


show("cwd through RENAME_EXCHANGE", exchange)


def renames():
    out = []
    os.rename(M + "/new.txt", M + "/renamed.txt")
    out.append(os.path.exists(D + "/src/renamed.txt"))
    try:
        os.rename(M + "/renamed.txt", D + "/outside/renamed.txt")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    try:
        os.link(M + "/renamed.txt", D + "/outside/hard")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    os.link(M + "/renamed.txt", M + "/hard")
    out.append(os.stat(D + "/src/hard").st_nlink)
    os.symlink("renamed.txt", M + "/newlink")
    out.append(os.readlink(D + "/src/newlink"))
    os.mkdir(M + "/newdir")
    os.rename(M + "/newdir", M + "/sub/moved")
    out.append(sorted(os.listdir(D + "/src/sub")))
    os.rmdir(M + "/sub/moved")
    os.unlink(M + "/hard")
    for p in (M, M + "/"):
        try:
            os.rmdir(p)
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    try:
        os.rename(M, D + "/elsewhere")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    return out


show("renames", renames)


def metadata():
    p = M + "/renamed.txt"
    os.chmod(p, 0o604)
    os.truncate(p, 4)
    os.utime(p, (1000000000, 1000000000))
    st = os.stat(D + "/src/renamed.txt")
    return [oct(st.st_mode & 0o777), int(st.st_mtime), st.st_size, os.access(p, os.R_OK), os.access(M + "/nope", os.F_OK)]


show("metadata", metadata)


def mmap_write_back():
    p = M + "/mapped"
    with open(p, "wb") as f:
        f.write(b"." * 4096)
    with open(p, "r+b") as f:
        m = mmap.mmap(f.fileno(), 4096, mmap.MAP_SHARED)
        m[0:6] = b"mapped"
        m.flush()
        m.close()
    with open(D + "/src/mapped", "rb") as f:
        return f.read(8)


show("mmap", mmap_write_back)


def walk():
    out = []
    for root, dirs, files in os.walk(M):
        dirs.sort()
        out.append((root, sorted(files)))
    return out


show("walk", walk)
show("scandir", lambda: sorted((e.name, e.is_dir(), e.is_symlink()) for e in os.scandir(M)))
for op, fn in [("rmdir", os.rmdir), ("unlink", os.unlink), ("mkdir", os.mkdir)]:
    for p in ("/linkdir/", "/loop1/", "/rel/"):
        show(f"{op} {p} (a trailing slash does not follow for it)", lambda: fn(M + p))
show("rename linkdir/", lambda: os.rename(M + "/linkdir/", M + "/elsewhere"))
show("sub survived", lambda: sorted(os.listdir(D + "/src/sub")))


def cross_dirfd_link():
    inside = os.open(M, os.O_RDONLY | os.O_DIRECTORY)
    outside = os.open(D + "/outside", os.O_RDONLY | os.O_DIRECTORY)
    out = []
    for fn in (lambda: os.link("a.txt", "hard2", src_dir_fd=inside, dst_dir_fd=outside),
               lambda: os.rename("o.txt", "moved-in", src_dir_fd=outside, dst_dir_fd=inside),
               lambda: os.rename("a.txt", "moved-out", src_dir_fd=inside, dst_dir_fd=outside)):
        try:
            fn()
            out.append("done")
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    os.close(inside)
    os.close(outside)
    return out


show("link and rename between dirfds of two file systems", cross_dirfd_link)


def empty_path_link():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(M + "/sub/b", os.O_RDONLY)
    rc = libc.linkat(fd, b"", -100, (D + "/outside/by-fd").encode(), 0x1000)  # AT_EMPTY_PATH
    os.close(fd)
    return rc if rc == 0 else errno.errorcode[ctypes.get_errno()]


show("linkat AT_EMPTY_PATH from a file in the mount to outside", empty_path_link)
show("statvfs same fs as source", lambda: os.statvfs(M).f_fsid == os.statvfs(D + "/src").f_fsid)


def libc_call(name, *args):
    """libc's function name called with args (str as bytes): "done", or its errno's name."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    return "done" if getattr(libc, name)(*(os.fsencode(a) if isinstance(a, str) else a for a in args)) == 0 \
        else errno.errorcode[ctypes.get_errno()]


def mount_point_errors():
    """Where the kernel finds another error before the mount point's EBUSY or EXDEV."""
    def call(fn, *args):
        return libc_call(fn, *args)

    def rename(old, new, flags=0):
        return call("renameat2", -100, old, -100, new, flags)

    open(D + "/plain", "w").close()
    out = [rename(D + "/nothing/x", M + "/a.txt", 3),  # NOREPLACE|EXCHANGE: EINVAL before any lookup
           rename(M + "/none", D + "/outside", 8),  # an unknown flag
           call("linkat", -100, D + "/nothing/x", -100, M + "/g", 8),
           rename(M, M + "/a.txt"), rename(M, D + "/none"), rename(M, D + "/plain"),
           rename(D + "/plain", M, 1), rename(D + "/plain", M), rename(M, M),
           call("unlink", M), call("rmdir", M)]
    os.unlink(D + "/plain")
    return out


show("rename, link, unlink and rmdir of a mount point, in the kernel's order", mount_point_errors)


def bad_new_dirfd():
    """A name in the mount renamed or linked to a name relative to a closed fd or a pipe."""
    r, w = os.pipe()
    closed = os.open("/", os.O_RDONLY)
    os.close(closed)
    out = []
    for bad in (closed, r):
        out += [libc_call("renameat", -100, M + "/a.txt", bad, "x"), libc_call("linkat", -100, M + "/a.txt", bad, "x", 0),
                libc_call("renameat", -100, M + "/nothing/x", bad, "x"),  # the old name's directory first
                libc_call("renameat", -100, M + "/none", bad, "x"),  # rename looks the old name up after
                libc_call("linkat", -100, M + "/none", bad, "x", 0),  # link before
                libc_call("linkat", bad, "", -100, M + "/x", 0x1000)]  # AT_EMPTY_PATH: the old file is the fd
    os.close(r)
    os.close(w)
    return out


show("rename and link to a bad dirfd, from the mount", bad_new_dirfd)


def empty_names():
    """An empty name, none, an unreadable or a too long one, beside a dot name, a mount point
    or a name in the mount: its ENOENT, EFAULT or ENAMETOOLONG comes at its turn, before the
    other name's EBUSY or EXDEV."""
    import ctypes
    return [libc_call("rename", "", M + "/."), libc_call("rename", M + "/.", ""), libc_call("rename", M + "/sub/..", ""),
            libc_call("renameat2", -100, "", -100, M, 1), libc_call("rename", "", M), libc_call("rename", M, ""),
            libc_call("rename", None, M + "/."), libc_call("rename", M, None), libc_call("rename", "", D + "/outside"),
            libc_call("link", "", M + "/x"), libc_call("link", M + "/a.txt", ""), libc_call("link", None, M),
            libc_call("linkat", -100, None, -100, M + "/x", 0x1000),  # AT_EMPTY_PATH takes no null name
            libc_call("link", M + "/a.txt", "/" + "x" * 5000), libc_call("rename", M + "/nothing/x", "/" + "x" * 5000),
            libc_call("link", M + "/a.txt", ctypes.c_void_p(8)), libc_call("rename", M + "/a.txt", ctypes.c_void_p(8))]


show("rename and link with an empty, null, unreadable or too long name", empty_names)
