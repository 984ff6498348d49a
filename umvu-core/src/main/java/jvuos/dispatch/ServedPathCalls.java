package jvuos.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jvuos.host.HostFiles;
import jvuos.module.FileStat;
import jvuos.module.HostDirectory;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.errno.Errno;
import jvuos.ptrace.PtraceException;
import jvuos.syscall.PathArg;
import jvuos.syscall.PathCall;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.Mount;
import jvuos.vfs.PathNames;
import jvuos.vfs.Resolution;

/**
 * Path calls on files a module serves: the kernel never sees these paths, so each call is
 * answered here from the module's file system, with the checks the kernel makes before it
 * calls a file system (existence, file type, permissions). An open gives the guest a
 * placeholder fd ({@link VirtualFds}); an exec runs a copy of the file from a memory file.
 */
final class ServedPathCalls {
    /** A handler's answer that means "the call was rewritten: let the kernel run it, then see its exit". */
    static final long REWRITTEN = Long.MIN_VALUE;
    /**
     * A handler's answer that means "the kernel, given the guest's own call, does what the view
     * asks: let it run; its exit has only the new fd's record to make ({@link PendingExit#held})".
     */
    static final long UNCHANGED = Long.MIN_VALUE + 1;
    private static final int SYS_OPENAT = 257;
    private static final int AT_FDCWD = -100;
    private static final int O_RDONLY = 0;
    private static final long O_CREAT = 0100;
    private static final long O_EXCL = 0200;
    private static final long O_TRUNC = 01000;
    private static final long O_CLOEXEC = 02000000;
    private static final long O_PATH = 010000000;
    private static final long O_TMPFILE = 020000000;
    private static final long AT_REMOVEDIR = 0x200;
    private static final long AT_EACCESS = 0x200;
    private static final int COPY_CHUNK = 1 << 20;
    private static final long RENAME_EXCHANGE = 2;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final int XATTR_SIZE_MAX = 65536;
    /** The calls that may change what a directory lists (the names, or what they hold). */
    private static final java.util.Set<String> CHANGING = java.util.Set.of("mkdir", "mkdirat", "mknod", "mknodat",
            "symlink", "symlinkat", "link", "linkat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
            "chmod", "fchmodat", "fchmodat2", "chown", "lchown", "fchownat", "truncate", "utime", "utimes",
            "futimesat", "utimensat", "setxattr", "lsetxattr", "removexattr", "lremovexattr");

    /**
     * One intercepted call whose first served path is {@link #r}; {@code fd} is the open
     * description when the call names its file by an fd (AT_EMPTY_PATH, fchmod...), whose
     * attributes then come from the open file, unlinked or not.
     */
    record Call(SyscallStop stop, Task task, PathCall call, Resolution[] resolved, String[] guestPaths, PendingExit exit,
            OpenDescription fd) {
        /** The thread's ids, groups and umask: what a new file gets. */
        Caller caller() {
            return task.caller(stop.tid()); // read from /proc only by a call that needs it: a stat does not
        }

        /**
         * Whose permissions the kernel's checks judge: the caller's, or, where the host decides
         * ({@link #hostDecides}), anyone's that passes root's checks (the thread's ids are not read then).
         */
        Caller checks() {
            return hostDecides() ? Caller.HOST_DECIDES : caller();
        }

        /** True when the module's host calls, made as the guest's own user, decide what it may do. */
        boolean hostDecides() {
            return Caller.HOST_MAY_DECIDE && fs().hostDecidesPermissions();
        }

        Resolution r() {
            return resolved[0];
        }

        long arg(int i) {
            return stop.arg(i);
        }

        /** The argument after the path of rule {@code rule}: for "*at" and plain calls alike. */
        long argAfterPath(int rule, int k) {
            return stop.arg(call.paths().get(rule).index() + k);
        }

        Mount mount() {
            return r().mount();
        }

        String rel() {
            return r().mount().relative(r().path());
        }

        ServedFileSystem fs() {
            return r().mount().servedFs();
        }
    }

    @FunctionalInterface
    private interface Handler {
        long serve(Call c) throws VuException, PtraceException;
    }

    private final Map<String, Handler> handlers = new HashMap<>();
    private final VirtualFds fds;
    private final HostFiles host;
    private final Tasks tasks;
    private final GuestPaths paths;
    private final ScriptExec scripts;
    private final int ownPid;
    /** Hears of each served open (the filter grows at the first). */
    private final java.util.function.Consumer<OpenDescription> opened;
    /** How many calls have changed a served file system so far (as held directories see it: {@link #changes}). */
    private long changes;
    /** A held directory has been opened in this session. */
    private boolean heldOpened;
    /** Hears of each change (the filter grows for held directories at the first). */
    private final Runnable changed;
    /** Hears of each open of a held directory (the filter grows at the first). */
    private final java.util.function.Consumer<HeldDirectory> heldListener;

    ServedPathCalls(VirtualFds fds, HostFiles host, Tasks tasks, GuestPaths paths, int ownPid,
            java.util.function.Consumer<OpenDescription> opened,
            java.util.function.Consumer<HeldDirectory> heldListener, Runnable changed) {
        this.fds = fds;
        this.host = host;
        this.tasks = tasks;
        this.paths = paths;
        this.scripts = new ScriptExec(paths);
        this.ownPid = ownPid;
        this.opened = opened;
        this.heldListener = heldListener;
        this.changed = changed;
        for (String open : List.of("open", "creat", "openat", "openat2")) {
            handlers.put(open, this::open);
        }
        handlers.put("stat", c -> writeStat(c, c.arg(1)));
        handlers.put("lstat", c -> writeStat(c, c.arg(1)));
        handlers.put("newfstatat", c -> writeStat(c, c.arg(2)));
        handlers.put("statx", c -> put(c.stop(), c.arg(4), Structs.statx(lstat(c), c.mount().dev())));
        handlers.put("access", c -> access(c, c.arg(1), false));
        handlers.put("faccessat", c -> access(c, c.arg(2), false));
        handlers.put("faccessat2", c -> access(c, c.arg(2), (c.arg(3) & AT_EACCESS) != 0));
        handlers.put("readlink", this::readlink);
        handlers.put("readlinkat", this::readlink);
        handlers.put("chdir", this::chdir);
        handlers.put("mkdir", c -> mkdir(c, c.arg(1)));
        handlers.put("mkdirat", c -> mkdir(c, c.arg(2)));
        handlers.put("mknod", c -> mknod(c, c.arg(1), c.arg(2)));
        handlers.put("mknodat", c -> mknod(c, c.arg(2), c.arg(3)));
        handlers.put("symlink", c -> symlink(c, c.arg(0)));
        handlers.put("symlinkat", c -> symlink(c, c.arg(0)));
        handlers.put("link", this::link);
        handlers.put("linkat", this::link);
        handlers.put("unlink", c -> unlink(c, false));
        handlers.put("unlinkat", c -> unlink(c, (c.arg(2) & AT_REMOVEDIR) != 0));
        handlers.put("rmdir", c -> unlink(c, true));
        handlers.put("rename", c -> rename(c, 0));
        handlers.put("renameat", c -> rename(c, 0));
        handlers.put("renameat2", c -> rename(c, c.arg(4)));
        handlers.put("chmod", c -> chmod(c, c.arg(1)));
        handlers.put("fchmodat", c -> chmod(c, c.arg(2)));
        handlers.put("fchmodat2", c -> chmod(c, c.arg(2)));
        handlers.put("chown", c -> chown(c, c.arg(1), c.arg(2)));
        handlers.put("lchown", c -> chown(c, c.arg(1), c.arg(2)));
        handlers.put("fchownat", c -> chown(c, c.arg(2), c.arg(3)));
        handlers.put("truncate", this::truncate);
        handlers.put("utime", c -> utimes(c, c.arg(1), Times.UTIMBUF));
        handlers.put("utimes", c -> utimes(c, c.arg(1), Times.TIMEVAL));
        handlers.put("futimesat", c -> utimes(c, c.arg(2), Times.TIMEVAL));
        handlers.put("utimensat", c -> utimes(c, c.arg(2), Times.TIMESPEC));
        handlers.put("statfs", c -> put(c.stop(), c.arg(1), Structs.statfs(
                ModuleCalls.guarded(() -> c.fs().statfs(), c.mount().module()), c.mount().dev(), c.mount().readOnly())));
        handlers.put("execve", c -> exec(c, -1));
        handlers.put("execveat", c -> exec(c, 4));
        handlers.put("getxattr", c -> getxattr(c));
        handlers.put("lgetxattr", c -> getxattr(c));
        handlers.put("setxattr", c -> setxattr(c));
        handlers.put("lsetxattr", c -> setxattr(c));
        handlers.put("listxattr", c -> listxattr(c));
        handlers.put("llistxattr", c -> listxattr(c));
        handlers.put("removexattr", c -> removexattr(c));
        handlers.put("lremovexattr", c -> removexattr(c));
    }

    /**
     * Answers the call: a result for the guest (a negative errno for a failure),
     * {@link #REWRITTEN} or {@link #UNCHANGED}. A call no handler knows gets EOPNOTSUPP: the
     * kernel cannot do it on a file it does not have (inotify, fanotify, uselib, the new xattr
     * calls).
     */
    long serve(Call c) throws PtraceException {
        return serveAs(c.call().syscall().name(), c);
    }

    /**
     * Answers the call as the path call {@code name} would be answered: fchmod as chmod,
     * fstatfs as statfs... ({@code c.call()} may then be null: such handlers never look at it).
     */
    long serveAs(String name, Call c) throws PtraceException {
        Handler h = handlers.get(name);
        if (h == null) {
            return -Errno.EOPNOTSUPP;
        }
        if (CHANGING.contains(name)) {
            changing();
        }
        try {
            return h.serve(c);
        } catch (VuException e) {
            return -e.errno();
        }
    }

    /**
     * The number of calls that may have changed a served file system so far: a held directory
     * whose listing was the view's at one count is looked at again at another.
     */
    long changes() {
        return changes;
    }

    /** True once a held directory has been opened: an fd without a record may then be one. */
    boolean heldOpened() {
        return heldOpened;
    }

    private void changing() {
        changes++;
        changed.run();
    }

    /**
     * A path call made on the file an fd's record names (fchmod as chmod, AT_EMPTY_PATH...):
     * {@code d} its open description, null for a held directory (answered by its path).
     */
    static Call onFile(SyscallStop stop, Task task, Task.OpenFile record, Mount mount, OpenDescription d) {
        return new Call(stop, task, null, new Resolution[] {resolutionOf(record, mount)}, new String[] {""}, null, d);
    }

    /** The file a served fd's record names, as a resolution (AT_EMPTY_PATH, fchmod...). */
    static Resolution resolutionOf(Task.OpenFile record, Mount mount) {
        return new Resolution(0, record.path(), mount, null, true, false, false);
    }

    private static FileStat lstat(Call c) throws VuException {
        if (c.fd() != null) {
            return ModuleCalls.guarded(c.fd().file::stat, c.mount().module());
        }
        return lstat(c.mount(), c.r().path());
    }

    private static FileStat lstat(Mount m, String path) throws VuException {
        return m.lstat(path);
    }

    /** The attributes of a path that may not exist: null for ENOENT. */
    private static FileStat lstatIfAny(Mount m, String path) throws VuException {
        try {
            return m.lstat(path);
        } catch (VuException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /** Copies a call's answer into the guest: 0, or EFAULT when the guest's buffer cannot take it all. */
    static long put(SyscallStop stop, long address, byte[] data) {
        return stop.memory().write(stop.tid(), address, data, data.length) == data.length ? 0 : -Errno.EFAULT;
    }

    private static long writeStat(Call c, long address) throws VuException {
        return put(c.stop(), address, Structs.stat(lstat(c), c.mount().dev()));
    }

    /** The caller needs write and search permission in the directory holding the path's last name. */
    private static void checkParentWritable(Call c, Resolution r) throws VuException {
        if (c.checks().privileged() || r.path().equals(r.mount().point())) {
            return;
        }
        String parent = PathNames.parent(r.path());
        if (!PathNames.isWithin(parent, r.mount().point())) {
            return; // the mount point's directory: not the module's to judge
        }
        int denied = c.checks().access(lstat(r.mount(), parent), Caller.W_OK | Caller.X_OK);
        if (denied != 0) {
            throw new VuException(denied, "no write permission in the directory");
        }
    }

    /** access(2) judges by the real ids; faccessat2 with AT_EACCESS by the effective (file-system) ones. */
    private long access(Call c, long mode, boolean effectiveIds) throws VuException {
        FileStat s = lstat(c);
        int want = (int) mode & 7;
        if ((want & Caller.W_OK) != 0 && c.mount().readOnly()) {
            return -Errno.EROFS;
        }
        int denied = (effectiveIds ? c.checks() : c.checks().byRealIds()).access(s, want);
        if (denied == 0 && c.hostDecides() && (want & (Caller.R_OK | Caller.W_OK)) != 0) {
            ModuleCalls.run(() -> c.fs().access(c.rel(), want), c.mount().module());
        }
        return -denied;
    }

    private long readlink(Call c) throws VuException {
        String target = c.mount().readlink(c.r().path());
        long buffer = c.argAfterPath(0, 1);
        int size = (int) c.argAfterPath(0, 2);
        if (size <= 0) {
            return -Errno.EINVAL;
        }
        byte[] bytes = target.getBytes(StandardCharsets.ISO_8859_1);
        int n = Math.min(bytes.length, size);
        return c.stop().memory().write(c.stop().tid(), buffer, bytes, n) == n ? n : -Errno.EFAULT;
    }

    private long chdir(Call c) throws VuException {
        FileStat s = lstat(c);
        if (!s.isDirectory()) {
            return -Errno.ENOTDIR;
        }
        int denied = c.checks().access(s, Caller.X_OK);
        if (denied != 0) {
            return -denied;
        }
        // The kernel keeps its own cwd (not even a held directory's host directory, whose /proc
        // link would lead the kernel there): every relative path from here is resolved in the
        // view, never by the kernel.
        GuestPaths.Start before = paths.cwd(c.stop().tid(), c.task());
        c.task().fs.set(c.r().path(), before != null && before.kernelDir() != null ? before.kernelDir() : "/");
        return 0;
    }

    private long mkdir(Call c, long mode) throws VuException {
        if (lstatIfAny(c.mount(), c.r().path()) != null) {
            return -Errno.EEXIST;
        }
        checkParentWritable(c, c.r());
        int perm = (int) mode & 07777 & ~c.caller().umask();
        ModuleCalls.run(() -> c.fs().mkdir(c.rel(), perm, c.caller().credentials()), c.mount().module());
        return 0;
    }

    private long mknod(Call c, long mode, long dev) throws VuException {
        int type = (int) mode & FileStat.S_IFMT;
        if (type == 0) {
            type = FileStat.S_IFREG;
        }
        if (type == FileStat.S_IFDIR || type == FileStat.S_IFLNK) {
            return -Errno.EINVAL;
        }
        if (lstatIfAny(c.mount(), c.r().path()) != null) {
            return -Errno.EEXIST;
        }
        if ((type == FileStat.S_IFCHR || type == FileStat.S_IFBLK) && !c.checks().privileged()) {
            return -Errno.EPERM;
        }
        checkParentWritable(c, c.r());
        int fullMode = type | ((int) mode & 07777 & ~c.caller().umask());
        long rdev = type == FileStat.S_IFCHR || type == FileStat.S_IFBLK ? dev : 0;
        ModuleCalls.run(() -> c.fs().mknod(c.rel(), fullMode, rdev, c.caller().credentials()), c.mount().module());
        return 0;
    }

    private long symlink(Call c, long targetAddress) throws VuException {
        String target = c.stop().memory().readPath(c.stop().tid(), targetAddress);
        if (target == null) {
            return -c.stop().memory().lastErrno();
        }
        if (target.isEmpty()) {
            return -Errno.ENOENT;
        }
        if (lstatIfAny(c.mount(), c.r().path()) != null) {
            return -Errno.EEXIST;
        }
        checkParentWritable(c, c.r());
        ModuleCalls.run(() -> c.fs().symlink(target, c.rel(), c.caller().credentials()), c.mount().module());
        return 0;
    }

    private long link(Call c) throws VuException {
        Resolution to = c.resolved()[1];
        FileStat s = lstat(c);
        if (s.isDirectory()) {
            return -Errno.EPERM;
        }
        if (lstatIfAny(to.mount(), to.path()) != null) {
            return -Errno.EEXIST;
        }
        checkParentWritable(c, to);
        String toRel = to.mount().relative(to.path());
        ModuleCalls.run(() -> c.fs().link(c.rel(), toRel), c.mount().module());
        return 0;
    }

    private long unlink(Call c, boolean directory) throws VuException {
        String guestPath = c.guestPaths()[0];
        if (directory && PathNames.endsWithDot(guestPath)) {
            return PathNames.endsWithDotDot(guestPath) ? -Errno.ENOTEMPTY : -Errno.EINVAL;
        }
        FileStat s = lstat(c);
        if (directory && !s.isDirectory()) {
            return -Errno.ENOTDIR;
        }
        if (!directory && s.isDirectory()) {
            return -Errno.EISDIR;
        }
        if (!directory && PathNames.endsAsDirectory(guestPath)) {
            return s.isSymlink() ? -Errno.ENOTDIR : -Errno.EISDIR;
        }
        checkParentWritable(c, c.r());
        ModuleCalls.run(() -> {
            if (directory) {
                c.fs().rmdir(c.rel());
            } else {
                c.fs().unlink(c.rel());
            }
        }, c.mount().module());
        return 0;
    }

    private long rename(Call c, long flags) throws VuException {
        Resolution to = c.resolved()[1];
        lstat(c);
        checkParentWritable(c, c.r());
        checkParentWritable(c, to);
        String toRel = to.mount().relative(to.path());
        ModuleCalls.run(() -> c.fs().rename(c.rel(), toRel, (int) flags), c.mount().module());
        tasks.moved(c.r().path(), to.path(), null, null, (flags & RENAME_EXCHANGE) != 0);
        return 0;
    }

    private long chmod(Call c, long mode) throws VuException {
        if (c.mount().readOnly()) {
            return -Errno.EROFS; // (a path call is refused before; an fd's call is not)
        }
        if (!c.checks().owns(lstat(c))) {
            return -Errno.EPERM;
        }
        ModuleCalls.run(() -> c.fs().chmod(c.rel(), (int) mode & 07777), c.mount().module());
        return 0;
    }

    private long chown(Call c, long uidArg, long gidArg) throws VuException {
        if (c.mount().readOnly()) {
            return -Errno.EROFS; // (a path call is refused before; an fd's call is not)
        }
        int uid = (int) uidArg;
        int gid = (int) gidArg;
        FileStat s = lstat(c);
        if (!c.checks().privileged()) {
            boolean uidKept = uid == -1 || uid == s.uid();
            boolean ownGroup = gid == -1 || gid == c.caller().credentials().gid() || c.caller().groups().contains(gid);
            if (!c.checks().owns(s) || !uidKept || !ownGroup) {
                return -Errno.EPERM;
            }
        }
        ModuleCalls.run(() -> c.fs().chown(c.rel(), uid, gid), c.mount().module());
        return 0;
    }

    private long truncate(Call c) throws VuException {
        if (c.mount().readOnly()) {
            return -Errno.EROFS; // (a path call is refused before; an fd's call is not)
        }
        long length = c.arg(1);
        FileStat s = lstat(c);
        if (s.isDirectory()) {
            return -Errno.EISDIR;
        }
        if (length < 0) {
            return -Errno.EINVAL;
        }
        int denied = c.checks().access(s, Caller.W_OK);
        if (denied != 0) {
            return -denied;
        }
        ModuleCalls.run(() -> c.fs().truncate(c.rel(), length), c.mount().module());
        return 0;
    }

    /** The layouts of the times argument of utime, utimes/futimesat and utimensat. */
    enum Times { UTIMBUF, TIMEVAL, TIMESPEC }

    private long utimes(Call c, long address, Times layout) throws VuException {
        if (c.mount().readOnly()) {
            return -Errno.EROFS; // (a path call is refused before; an fd's call is not)
        }
        FileStat s = lstat(c);
        long now = System.currentTimeMillis() * 1_000_000L;
        long atime = now;
        long mtime = now;
        boolean explicit = false;
        if (address != 0) {
            byte[] raw = new byte[32];
            int size = layout == Times.UTIMBUF ? 16 : 32;
            if (c.stop().memory().read(c.stop().tid(), address, raw, size) != size) {
                return -Errno.EFAULT;
            }
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            long[] t = new long[2];
            for (int i = 0; i < 2; i++) {
                switch (layout) {
                    case UTIMBUF -> t[i] = b.getLong(8 * i) * 1_000_000_000L;
                    case TIMEVAL -> {
                        long usec = b.getLong(16 * i + 8);
                        if (usec < 0 || usec >= 1_000_000) {
                            return -Errno.EINVAL;
                        }
                        t[i] = b.getLong(16 * i) * 1_000_000_000L + usec * 1000;
                    }
                    case TIMESPEC -> {
                        long nsec = b.getLong(16 * i + 8);
                        if (nsec == UTIME_NOW) {
                            t[i] = now;
                        } else if (nsec == UTIME_OMIT) {
                            t[i] = ServedFileSystem.OMIT;
                        } else if (nsec < 0 || nsec >= 1_000_000_000) {
                            return -Errno.EINVAL;
                        } else {
                            t[i] = b.getLong(16 * i) * 1_000_000_000L + nsec;
                            explicit = true;
                        }
                    }
                }
            }
            explicit |= layout != Times.TIMESPEC;
            atime = t[0];
            mtime = t[1];
        }
        // Setting given times needs ownership; setting "now" needs write permission or ownership.
        if (explicit ? !c.checks().owns(s) : !c.checks().owns(s) && c.checks().access(s, Caller.W_OK) != 0) {
            return explicit ? -Errno.EPERM : -Errno.EACCES;
        }
        long a = atime;
        long m = mtime;
        ModuleCalls.run(() -> c.fs().utimens(c.rel(), a, m), c.mount().module());
        return 0;
    }

    private long getxattr(Call c) throws VuException {
        String name = c.stop().memory().readString(c.stop().tid(), c.arg(1), 256);
        if (name == null) {
            return -Errno.EFAULT;
        }
        byte[] value = ModuleCalls.guarded(() -> c.fs().getxattr(c.rel(), name), c.mount().module());
        return sized(c, c.arg(2), c.arg(3), value);
    }

    /** The value, or its size when the guest asked with size 0; ERANGE when it does not fit. */
    private static long sized(Call c, long address, long size, byte[] value) {
        if (size == 0) {
            return value.length;
        }
        if (size < value.length) {
            return -Errno.ERANGE;
        }
        return c.stop().memory().write(c.stop().tid(), address, value, value.length) == value.length
                ? value.length : -Errno.EFAULT;
    }

    private long setxattr(Call c) throws VuException {
        if (c.mount().readOnly()) {
            return -Errno.EROFS; // (a path call is refused before; an fd's call is not)
        }
        String name = c.stop().memory().readString(c.stop().tid(), c.arg(1), 256);
        long size = c.arg(3);
        if (name == null) {
            return -Errno.EFAULT;
        }
        if (Long.compareUnsigned(size, XATTR_SIZE_MAX) > 0) {
            return -Errno.E2BIG;
        }
        byte[] value = new byte[(int) size];
        if (size > 0 && c.stop().memory().read(c.stop().tid(), c.arg(2), value, (int) size) != size) {
            return -Errno.EFAULT;
        }
        if (!c.checks().owns(lstat(c))) {
            return -Errno.EPERM;
        }
        ModuleCalls.run(() -> c.fs().setxattr(c.rel(), name, value, (int) c.arg(4)), c.mount().module());
        return 0;
    }

    private long listxattr(Call c) throws VuException {
        List<String> names = ModuleCalls.guarded(() -> c.fs().listxattr(c.rel()), c.mount().module());
        StringBuilder all = new StringBuilder();
        for (String n : names) {
            all.append(n).append('\0');
        }
        return sized(c, c.arg(1), c.arg(2), all.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private long removexattr(Call c) throws VuException {
        if (c.mount().readOnly()) {
            return -Errno.EROFS; // (a path call is refused before; an fd's call is not)
        }
        String name = c.stop().memory().readString(c.stop().tid(), c.arg(1), 256);
        if (name == null) {
            return -Errno.EFAULT;
        }
        if (!c.checks().owns(lstat(c))) {
            return -Errno.EPERM;
        }
        ModuleCalls.run(() -> c.fs().removexattr(c.rel(), name), c.mount().module());
        return 0;
    }

    /**
     * open, openat, openat2, creat: the kernel's checks, the module's open, and then the
     * guest's call becomes openat(AT_FDCWD, "/proc/UMVU_PID/fd/N", O_RDWR) of the new
     * description's placeholder, close-on-exec as the guest asked. The fd is recorded at its
     * exit. A directory the module lets the kernel hold is opened by the kernel instead
     * ({@link #openHeld}), a fifo, socket or device node the module names likewise ({@link #openNode}).
     */
    private long open(Call c) throws VuException, PtraceException {
        SyscallStop stop = c.stop();
        PathArg arg = c.call().paths().get(0);
        boolean openat2 = arg.follow() == PathArg.Follow.OPEN_HOW;
        if (openat2 && stop.arg(arg.flagsIndex() + 1) < PathCallRouting.OPEN_HOW_SIZE) {
            return -Errno.EINVAL; // as the kernel answers a struct open_how too small
        }
        long flags = switch (c.call().syscall().name()) {
            case "creat" -> O_CREAT | O_TRUNC | OpenDescription.O_WRONLY;
            case "openat2" -> PathCallRouting.openHowField(stop, arg, 0);
            default -> stop.arg(arg.flagsIndex());
        };
        long modeArg = switch (c.call().syscall().name()) {
            case "creat" -> stop.arg(1);
            case "openat2" -> PathCallRouting.openHowField(stop, arg, 8);
            default -> stop.arg(arg.flagsIndex() + 1);
        };
        if ((flags & O_TMPFILE) == O_TMPFILE) {
            return -Errno.EOPNOTSUPP;
        }
        boolean pathOnly = (flags & O_PATH) != 0;
        String path = c.r().path();
        FileStat s = lstatIfAny(c.mount(), path);
        int access = (int) flags & OpenDescription.O_ACCMODE;
        boolean writes = access == OpenDescription.O_WRONLY || access == OpenDescription.O_RDWR;
        if (s == null) {
            if ((flags & O_CREAT) == 0 || pathOnly) {
                return -Errno.ENOENT; // (O_PATH leaves every flag but O_CLOEXEC, O_DIRECTORY and O_NOFOLLOW aside)
            }
            if (PathNames.endsAsDirectory(c.guestPaths()[0])) {
                return -Errno.EISDIR;
            }
            checkParentWritable(c, c.r());
            changing();
            int perm = (int) modeArg & 07777 & ~c.caller().umask();
            ModuleCalls.run(() -> c.fs().create(c.rel(), perm, c.caller().credentials()), c.mount().module());
            s = lstat(c);
        } else {
            if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) && !pathOnly) {
                return -Errno.EEXIST;
            }
            if (s.isSymlink() && !pathOnly) {
                return -Errno.ELOOP; // O_NOFOLLOW on a symlink
            }
            if (s.isDirectory() && (writes || (flags & (O_CREAT | O_TRUNC)) != 0)) {
                return -Errno.EISDIR;
            }
            int want = (access == OpenDescription.O_RDWR ? Caller.R_OK | Caller.W_OK
                    : access == OpenDescription.O_WRONLY ? Caller.W_OK : Caller.R_OK);
            int denied = pathOnly ? 0 : c.checks().access(s, want);
            if (denied != 0) {
                return -denied;
            }
        }
        if ((flags & PathArg.O_DIRECTORY) != 0 && !s.isDirectory()) {
            return -Errno.ENOTDIR;
        }
        if (writes && !pathOnly) {
            changing(); // a write may copy the file up: its directory may list otherwise
        }
        if ((flags & O_TRUNC) != 0 && writes && !pathOnly && s.type() == FileStat.S_IFREG && s.size() > 0) {
            ModuleCalls.run(() -> c.fs().truncate(c.rel(), 0), c.mount().module());
        }
        int openFlags = (int) flags;
        // (Not for openat2: its RESOLVE_* flags would need the host path's own; such a file is served.)
        if (s.isDirectory() && !openat2) {
            HostDirectory dir = c.mount().hostDirectory(path);
            if (dir != null) {
                return openHeld(c, arg, dir, pathOnly);
            }
        }
        if (!pathOnly && !openat2 && isNode(s)) {
            String node = ModuleCalls.optional(() -> c.fs().hostNode(c.rel(), openFlags), c.mount().module());
            if (node != null) {
                return openNode(c, arg, node);
            }
        }
        // Where close does not stop, the descriptions closed since the last open are closed
        // now: a walk over many files holds only those it still has open.
        fds.collect();
        // An O_PATH fd only names the file: the module does not open it.
        Mount mount = c.mount();
        VirtualFile file = pathOnly ? () -> mount.lstat(path)
                : ModuleCalls.guarded(() -> c.fs().open(c.rel(), openFlags), c.mount().module());
        OpenDescription d;
        try {
            d = fds.open(c.mount(), file, openFlags, s.isDirectory());
        } catch (VuException e) {
            ModuleCalls.run(file::close, c.mount().module());
            throw e;
        }
        opened.accept(d);
        PendingExit exit = c.exit();
        exit.served = d;
        exit.servedPath = path;
        stop.setNr(SYS_OPENAT);
        exit.setArg(stop, 0, AT_FDCWD);
        if (!exit.setPathArg(stop, 1, "/proc/" + ownPid + "/fd/" + d.readEnd)) {
            fds.failed(d);
            exit.served = null;
            return -Errno.EFAULT;
        }
        exit.setArg(stop, 2, OpenDescription.O_RDWR | (flags & O_CLOEXEC));
        exit.setArg(stop, 3, 0);
        return REWRITTEN;
    }

    /**
     * The guest's fd is the kernel's fd on the host directory the module named: the guest's
     * call runs unchanged where its own path is the one the kernel must be given (a name in a
     * held directory's fd: a directory walk), else with that path in its place. The
     * view's permissions were checked above; the kernel's own checks of the host directories
     * for the thread's ids come on top, and can only refuse what those directories' modes
     * refuse (a guest thread of another uid than root's under a root umvu, the only one for
     * which the two differ, could not open a placeholder at all: /proc/UMVU_PID/fd is root's).
     */
    private long openHeld(Call c, PathArg arg, HostDirectory dir, boolean pathOnly) throws PtraceException {
        HeldDirectory held = new HeldDirectory(c.mount(), pathOnly, dir.listsAsView(), changes);
        heldOpened = true;
        heldListener.accept(held);
        PendingExit exit = c.exit();
        exit.held = new Task.OpenFile(c.r().path(), dir.path(), null, held);
        String path = pathFromStart(c, arg, dir.path());
        if (path.equals(c.guestPaths()[0])) {
            return UNCHANGED; // the guest's own path is that one: a name in a held directory's fd, say
        }
        if (!exit.setPathArg(c.stop(), arg.index(), path)) {
            exit.held = null;
            return -Errno.EFAULT;
        }
        return REWRITTEN;
    }

    /**
     * The host directory as the kernel should be given it: relative to the directory the
     * guest's relative path starts from (its dirfd's or cwd's host directory, which the path's
     * resolution has just found still held) when it lies there, so that the kernel, as for the
     * guest's own path, looks at no directory above that one (a process may work in a
     * directory it could not reach from /); else absolute. The host directory has no symlink
     * on its way: the kernel given this path opens it.
     */
    private static String pathFromStart(Call c, PathArg arg, String dir) {
        if (c.guestPaths()[0].startsWith("/")) {
            return dir;
        }
        int dirfd = arg.dirfdIndex() < 0 ? AT_FDCWD : (int) c.arg(arg.dirfdIndex());
        Task.OpenFile record = dirfd == AT_FDCWD ? null : c.task().fds.open.get(dirfd);
        String start = dirfd == AT_FDCWD ? c.task().fs.cwdHost
                : record != null && record.served() == null ? record.hostPath() : null;
        if (start == null || !PathNames.isWithin(dir, start)) {
            return dir;
        }
        return dir.equals(start) ? "." : dir.substring(start.equals("/") ? 1 : start.length() + 1);
    }

    private static boolean isNode(FileStat s) {
        int type = s.type();
        return type == FileStat.S_IFIFO || type == FileStat.S_IFSOCK || type == FileStat.S_IFCHR || type == FileStat.S_IFBLK;
    }

    /**
     * The kernel opens the host node the module named, with the guest's flags; the fd is
     * recorded at the exit with its view path, as an fd opened through a bind mount.
     */
    private static long openNode(Call c, PathArg arg, String node) throws PtraceException {
        PendingExit exit = c.exit();
        if (!exit.setPathArg(c.stop(), arg.index(), node)) {
            return -Errno.EFAULT;
        }
        exit.opened = new Resolution(0, c.r().path(), c.mount(), node, true, false, false);
        return REWRITTEN;
    }

    /**
     * execve and execveat of a served file: the kernel execs a copy of it, put in a memory
     * file that the guest's call names by /proc path (closed at the call's exit). A "#!"
     * script is left to its interpreter ({@link ScriptExec}).
     */
    private long exec(Call c, int flagsIndex) throws VuException, PtraceException {
        FileStat s = lstat(c);
        if (s.type() != FileStat.S_IFREG || c.checks().access(s, Caller.X_OK) != 0) {
            return -Errno.EACCES;
        }
        VirtualFile file = ModuleCalls.guarded(() -> c.fs().open(c.rel(), O_RDONLY), c.mount().module());
        try {
            byte[] chunk = new byte[COPY_CHUNK];
            int head = read(c, file, chunk, 0);
            if (ScriptExec.isScript(chunk, head)) {
                long r = scripts.exec(c.stop(), c.task(), c.call(), c.guestPaths()[0], c.exit(), chunk, head, flagsIndex, false);
                return r == 0 ? REWRITTEN : r;
            }
            String path = c.r().path();
            int fd = host.memoryFile(path.substring(path.lastIndexOf('/') + 1), new byte[0]);
            if (fd < 0) {
                return fd;
            }
            // Copied a chunk at a time: the file may be larger than any Java array.
            for (long at = 0; head > 0; at += head, head = read(c, file, chunk, at + head)) {
                if (host.pwrite(fd, chunk, head, at) != head) {
                    host.close(fd);
                    return -Errno.ENOMEM;
                }
            }
            PendingExit exit = c.exit();
            int pathIndex = c.call().paths().get(0).index();
            if (!exit.setPathArg(c.stop(), pathIndex, "/proc/" + ownPid + "/fd/" + fd)) {
                host.close(fd);
                return -Errno.EFAULT;
            }
            exit.memoryFile = fd;
            exit.exec = true;
            exit.exe = c.r().path();
            ScriptExec.clearExecveatFlags(c.stop(), exit, flagsIndex);
            return REWRITTEN;
        } finally {
            ModuleCalls.run(file::close, c.mount().module());
        }
    }

    private static int read(Call c, VirtualFile file, byte[] chunk, long offset) throws VuException {
        return ModuleCalls.guarded(() -> file.read(ByteBuffer.wrap(chunk), offset), c.mount().module());
    }
}
