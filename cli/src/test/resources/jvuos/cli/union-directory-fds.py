"""Directory fds in a union held across changes, as overlayfs keeps them (VufsUnionIT's
oracle): listings read through fds opened before the changes, before and after a rewind; the
attributes fstat gives; calls on such fds, relative to them and through their /proc links;
an O_PATH fd; an fd passed to another process over a unix socket.
Usage: union-directory-fds.py tree|ops, in the union's directory."""
import os
import socket
import sys


def tree():
    os.makedirs("pure/sub/deeper")
    os.makedirs("merged/sub")
    for name in ("pure/a", "pure/b", "pure/sub/s", "merged/m"):
        with open(name, "w") as f:
            f.write(name)


def listing(fd):
    """The names from the fd's position on (CPython's listdir of an fd rewinds it afterwards)."""
    return sorted(os.listdir(fd))


def same(fd, path):
    s, p = os.fstat(fd), os.stat(path, follow_symlinks=False)
    return (s.st_dev, s.st_ino, s.st_mode) == (p.st_dev, p.st_ino, p.st_mode)


def received():
    """A directory fd passed to another process over a unix socket, and changed through there."""
    left, right = socket.socketpair()
    child = os.fork()
    if child == 0:
        got = socket.recv_fds(right, 1, 1)[1][0]
        os.fchmod(got, 0o711)
        os.mkdir("by-received-fd", dir_fd=got)
        os._exit(0)
    fd = os.open("merged/sub", os.O_RDONLY | os.O_DIRECTORY)
    socket.send_fds(left, [b"x"], [fd])
    os.waitpid(child, 0)
    os.close(fd)
    print("received", oct(os.stat("merged/sub").st_mode), sorted(os.listdir("merged/sub")))


def ops():
    open("merged/made-before", "w").close()  # a directory of both layers from here on
    pure = os.open("pure", os.O_RDONLY | os.O_DIRECTORY)
    merged = os.open("merged", os.O_RDONLY | os.O_DIRECTORY)
    print("opened", listing(pure), listing(merged), same(pure, "pure"), same(merged, "merged"))
    with open("pure/c", "w") as f:
        f.write("c")
    os.unlink("pure/a")
    os.mkdir("pure/made")
    open("merged/later", "w").close()
    os.unlink("merged/m")
    for turn in range(2):
        print("after the changes", turn, listing(pure), listing(merged), same(pure, "pure"))
    os.fchmod(pure, 0o750)
    print("fchmod", oct(os.stat("pure").st_mode), same(pure, "pure"))
    sub = os.open("sub", os.O_RDONLY | os.O_DIRECTORY, dir_fd=pure)
    print("sub", listing(sub), same(sub, "pure/sub"),
          os.stat("deeper", dir_fd=sub, follow_symlinks=False).st_ino == os.stat("pure/sub/deeper").st_ino)
    copy = os.dup(sub)
    os.rmdir("pure/sub/deeper")
    print("dup", listing(copy), listing(sub))
    os.chmod("/proc/self/fd/%d" % pure, 0o700)
    with open("/proc/self/fd/%d/by-fd-link" % pure, "w") as f:
        f.write("by-fd-link")
    print("fd link", oct(os.stat("pure").st_mode), listing(pure))
    named = os.open("pure", os.O_PATH)
    for call in (lambda: os.fchmod(named, 0o755), lambda: os.listdir(named),
                 lambda: os.fstat(named).st_ino == os.stat("pure").st_ino):
        try:
            print("O_PATH", call())
        except OSError as e:
            print("O_PATH", e.strerror)
    os.close(named)
    os.fchdir(sub)
    print("fchdir", os.getcwd().endswith("/pure/sub"), sorted(os.listdir(".")), os.path.exists("s"))
    with open("/proc/self/cwd/by-cwd-link", "w") as f:
        f.write("by-cwd-link")
    print("cwd link", sorted(os.listdir(".")))
    os.chdir("../..")
    received()
    walk = [(top, sorted(dirs), sorted(files)) for top, dirs, files, _ in os.fwalk(".")]
    print("fwalk", sorted(walk))
    for fd in (pure, merged, sub, copy):
        os.close(fd)


{"tree": tree, "ops": ops}[sys.argv[1]]()
