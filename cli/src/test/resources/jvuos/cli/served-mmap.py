# mmap of a file in the current directory: shared writes reach the file (at msync, munmap,
# the end of the writing process), private ones do not, and writes through an fd show in a
# shared mapping. The same lines come out in a host directory and in a served one.
import errno, mmap, os

def attempt(label, f, *args):
    try:
        print(label, f(*args))
    except OSError as e:
        print(label, errno.errorcode[e.errno])

def content(n):
    with open("m", "rb") as f:
        return f.read(n)

with open("m", "wb") as f:
    f.write(b"a" * 10000)
fd = os.open("m", os.O_RDWR)
mm = mmap.mmap(fd, 10000)
print("mapped", mm[:5], len(mm))
mm[0:5] = b"HELLO"
mm.flush()
print("after msync", content(5))
mm[9995:10000] = b"WORLD"
mm.close()
with open("m", "rb") as f:
    f.seek(9995)
    print("after munmap", f.read())
mp = mmap.mmap(fd, 100, flags=mmap.MAP_PRIVATE)
mp[0:3] = b"xyz"
print("private", mp[:5], content(5))
mp.close()
mm = mmap.mmap(fd, 4096, offset=4096)
os.pwrite(fd, b"12345", 4096)
print("a write through an fd shows in the mapping", mm[:5])
pid = os.fork()
if pid == 0:
    mm[0:3] = b"kid"
    os._exit(0)
os.waitpid(pid, 0)
print("a child's writes", os.pread(fd, 5, 4096))
mm.close()
rfd = os.open("m", os.O_RDONLY)
attempt("shared and writable on a read-only fd", lambda: mmap.mmap(rfd, 100))
print("read-only mapping", mmap.mmap(rfd, 100, prot=mmap.PROT_READ)[:5])
attempt("a directory", lambda: mmap.mmap(os.open(".", os.O_RDONLY), 100, prot=mmap.PROT_READ))
attempt("an odd offset", lambda: mmap.mmap(fd, 100, offset=100))
