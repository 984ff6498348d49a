# Prints a tree, one line per entry below DIR, sorted, for comparing two trees.
#   union-tree.py view DIR [SKIP...]  what a union view must show the same as the kernel's:
#       name, type, permissions, owner, size (not of directories, whose size is the layer's
#       business), symlink target, a hash of a regular file's data. Not st_ino, st_dev,
#       st_nlink, atime, ctime or mtime (a test prints the times it set itself). A SKIP is a
#       relative path, or a name anywhere, whose contents are left out (the entry itself is listed).
#   union-tree.py host DIR            a fingerprint of a host tree that must not change at all:
#       the same plus DIR itself, inode numbers, link counts, mtime and ctime (in ns).
import hashlib
import os
import stat
import sys

mode, top, skip = sys.argv[1], sys.argv[2], set(sys.argv[3:])
host = mode == "host"
TYPES = {stat.S_IFDIR: "d", stat.S_IFREG: "f", stat.S_IFLNK: "l", stat.S_IFIFO: "p",
         stat.S_IFSOCK: "s", stat.S_IFCHR: "c", stat.S_IFBLK: "b"}


def describe(rel, st):
    kind = TYPES[stat.S_IFMT(st.st_mode)]
    line = [rel, kind, "%04o" % stat.S_IMODE(st.st_mode), "%d:%d" % (st.st_uid, st.st_gid)]
    if kind != "d" or host:
        line.append("size=%d" % st.st_size)
    if kind == "l":
        line.append("-> " + os.readlink(os.path.join(top, rel)))
    if kind == "f":
        with open(os.path.join(top, rel), "rb") as f:
            line.append(hashlib.sha256(f.read()).hexdigest()[:16])
    if kind in "cb":
        line.append("rdev=%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
    if host:
        line += ["ino=%d" % st.st_ino, "nlink=%d" % st.st_nlink,
                 "mtime=%d" % st.st_mtime_ns, "ctime=%d" % st.st_ctime_ns]
    return " ".join(line)


def walk(rel):
    path = os.path.join(top, rel) if rel else top
    for name in sorted(os.listdir(path)):
        child = os.path.join(rel, name) if rel else name
        st = os.lstat(os.path.join(top, child))
        print(describe(child, st))
        if stat.S_ISDIR(st.st_mode) and child not in skip and name not in skip:
            walk(child)


if host:
    print(describe(".", os.lstat(top)))
walk("")
