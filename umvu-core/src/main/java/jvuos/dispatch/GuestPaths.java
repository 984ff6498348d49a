package jvuos.dispatch;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.vfs.PathResolver;
import jvuos.vfs.Resolution;

/** Where a guest thread's relative paths start, and the resolution of its paths in the view. */
final class GuestPaths {
    static final int AT_FDCWD = -100;

    private final HostFiles host;
    private final PathResolver resolver;

    /**
     * A directory a relative path starts from: its path in the view and the host directory the
     * kernel would start from if given the guest's own path.
     */
    record Start(String path, String kernelDir) {
        static final Start ROOT = new Start("/", "/");
    }

    GuestPaths(HostFiles host, PathResolver resolver) {
        this.host = host;
        this.resolver = resolver;
    }

    /** The start of {@code path} given its dirfd argument; null when the dirfd is no directory fd (the kernel then fails the call). */
    Start start(int tid, Task task, String path, int dirfd) {
        if (path.startsWith("/")) {
            return Start.ROOT;
        }
        return dirfd == AT_FDCWD ? cwd(tid, task) : fd(tid, task, dirfd);
    }

    Start cwd(int tid, Task task) {
        if (task.fs.cwd == null) {
            String link = host.readlink("/proc/" + tid + "/cwd");
            if (link == null || !link.startsWith("/")) {
                return null;
            }
            task.fs.set(link, link);
        }
        return new Start(task.fs.cwd, task.fs.cwdHost);
    }

    /**
     * The file an fd holds, as a start directory; null for a closed fd or one that holds no
     * path (a pipe, a socket). A served directory's placeholder has no host directory: its
     * kernelDir is null (a held directory's is the host directory the kernel holds).
     */
    Start fd(int tid, Task task, int fd) {
        if (fd < 0) {
            return null;
        }
        String link = fdLink(tid, fd);
        Task.OpenFile f = task.fds.open.get(fd);
        if (f != null && !f.hostPath().equals(link)) {
            task.fds.open.remove(fd); // the fd holds another file now: its record counts no more
            f = null;
        }
        if (f != null && f.served() != null) {
            return new Start(f.path(), null);
        }
        if (link == null || !link.startsWith("/")) {
            return null;
        }
        return f != null ? new Start(f.path(), link) : new Start(link, link);
    }

    /** The kernel's errno for a dirfd that {@link #start} found no directory in: EBADF when it is not open, else ENOTDIR. */
    int badStartErrno(int tid, int dirfd) {
        return isOpen(tid, dirfd) ? Errno.ENOTDIR : Errno.EBADF;
    }

    /** True when the thread's fd {@code fd} is open (its /proc link can be read). */
    boolean isOpen(int tid, int fd) {
        return fd >= 0 && fdLink(tid, fd) != null;
    }

    /**
     * True while the guest's fd still holds the host file its record was made for: close is
     * not intercepted, so a record counts only as long as /proc shows that file.
     */
    boolean holds(int tid, int fd, Task.OpenFile record) {
        return record.hostPath().equals(fdLink(tid, fd));
    }

    /** What the thread's /proc/TID/fd/N link shows: null for an fd that is not open. */
    private String fdLink(int tid, int fd) {
        return host.readlink("/proc/" + tid + "/fd/" + fd);
    }

    /** What the kernel shows for a /proc link, or null. */
    String kernelLink(String path) {
        return host.readlink(path);
    }

    Resolution resolve(PathResolver.Request request) {
        return resolver.resolve(request);
    }
}
