package jvuos.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.host.HostFiles;
import jvuos.module.FileStat;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.ServedFileSystem;
import jvuos.module.ViewPaths;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.module.VuModule;
import jvuos.errno.Errno;
import jvuos.ptrace.GuestMemory;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.Mount;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.MountTable;
import jvuos.vfs.PathNames;
import jvuos.vfs.PathResolver;
import jvuos.vfs.Resolution;

/**
 * mount(2), umount2(2) and the VU calls: every mount of the view is made and undone here,
 * never by the kernel, so the host never sees one.
 */
final class MountCalls {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final long MNT_FORCE = 1;
    private static final long MNT_DETACH = 2;
    private static final long MNT_EXPIRE = 4;
    private static final long UMOUNT_NOFOLLOW = 8;

    private final MountTable mounts;
    private final ModuleRegistry modules;
    private final GuestPaths paths;
    private final HostFiles host;
    private final Tasks tasks;
    private final Runnable firstMount;
    private final VirtualFds virtualFds;
    private final DeviceNumbers devices;
    private final StackSockets stackSockets;
    /** How many files of each mount other modules hold open ({@link ModuleOpenedFile}). */
    private final java.util.Map<Mount, Integer> moduleOpened = new java.util.HashMap<>();

    MountCalls(MountTable mounts, ModuleRegistry modules, GuestPaths paths, HostFiles host, Tasks tasks,
            VirtualFds virtualFds, DeviceNumbers devices, StackSockets stackSockets, Runnable firstMount) {
        this.virtualFds = virtualFds;
        this.devices = devices;
        this.stackSockets = stackSockets;
        this.mounts = mounts;
        this.modules = modules;
        this.paths = paths;
        this.host = host;
        this.tasks = tasks;
        this.firstMount = firstMount;
    }

    /** mount(source, target, type, flags, data): the result for the guest (0 or -errno). */
    long mount(SyscallStop stop, Task task) {
        GuestMemory memory = stop.memory();
        int tid = stop.tid();
        String source = stop.arg(0) == 0 ? "none" : memory.readPath(tid, stop.arg(0));
        String target = memory.readPath(tid, stop.arg(1));
        String type = stop.arg(2) == 0 ? null : memory.readPath(tid, stop.arg(2));
        long flags = stop.arg(3);
        String options = stop.arg(4) == 0 ? "" : memory.readPath(tid, stop.arg(4));
        if (source == null || target == null || options == null) {
            return -memory.lastErrno();
        }
        if (type == null || type.isEmpty()) {
            return -Errno.EINVAL;
        }
        if (target.isEmpty()) {
            return -Errno.ENOENT;
        }
        GuestPaths.Start start = paths.start(tid, task, target, GuestPaths.AT_FDCWD);
        if (start == null) {
            return -Errno.ENOENT;
        }
        // A mount needs no existing target: missing components are taken as they are written.
        Resolution point = paths.resolve(new PathResolver.Request(target, start.path(), true, false, true,
                Integer.MAX_VALUE, task.tgid, tid));
        if (point.failed()) {
            return -point.errno();
        }
        int epoch = mounts.nextEpoch();
        try {
            VuModule module = modules.forType(type);
            // "-o ro" means what -r means, as mount(8) takes it.
            long mountFlags = java.util.Arrays.asList(options.split(",")).contains("ro") ? flags | MountRequest.MS_RDONLY : flags;
            MountRequest request = new MountRequest(source, point.path(), type, mountFlags, options, new ViewPaths() {
                @Override
                public String hostPath(String viewPath) throws VuException {
                    return hostPathBefore(viewPath, epoch, tid, task);
                }

                @Override
                public VirtualFile openServed(String viewPath, int openFlags) throws VuException {
                    return openServedBefore(viewPath, openFlags, epoch, tid, task);
                }
            });
            MountedFileSystem fs = ModuleCalls.guarded(() -> module.mount(request), module);
            boolean first = mounts.isEmpty();
            Mount mount = new Mount(epoch, point.path(), source, type, options, request.readOnly(), module, fs);
            mounts.add(mount);
            if (mount.served()) {
                devices.mounted(mount);
            }
            log.debug("mounted {} on {} type {} ({})", source, point.path(), type, options);
            if (first) {
                firstMount.run();
            }
            return 0;
        } catch (VuException e) {
            log.debug("mount {} on {} type {}: {}", source, target, type, e.getMessage());
            return -e.errno();
        }
    }

    /** A path of the view as the mounts older than {@code epoch} show it, as a host path. */
    private String hostPathBefore(String viewPath, int epoch, int tid, Task task) throws VuException {
        Resolution r = resolveBefore(viewPath, epoch, tid, task);
        if (r.served()) {
            throw new VuException(Errno.EOPNOTSUPP, viewPath + " is served by a module: no host file holds it");
        }
        String hostPath = r.canonicalHostPath();
        int mode = host.lstatMode(hostPath);
        if (mode < 0) {
            throw new VuException(-mode, viewPath);
        }
        return hostPath;
    }

    /** The file another module serves at a path of the view as the mounts older than {@code epoch} show it, opened. */
    private VirtualFile openServedBefore(String viewPath, int flags, int epoch, int tid, Task task) throws VuException {
        Resolution r = resolveBefore(viewPath, epoch, tid, task);
        if (!r.served()) {
            throw new VuException(Errno.EOPNOTSUPP, viewPath + " is a file of the host");
        }
        Mount m = r.mount();
        if (m.readOnly() && (flags & ServedFileSystem.O_ACCMODE) != ServedFileSystem.O_RDONLY) {
            throw new VuException(Errno.EROFS, viewPath + " is on a read-only mount");
        }
        FileStat s = m.lstat(r.path());
        if (s.type() == FileStat.S_IFDIR) {
            throw new VuException(Errno.EISDIR, viewPath);
        }
        VirtualFile file = ModuleCalls.guarded(() -> m.servedFs().open(m.relative(r.path()), flags), m.module());
        return new ModuleOpenedFile(file, m, moduleOpened);
    }

    private Resolution resolveBefore(String viewPath, int epoch, int tid, Task task) throws VuException {
        if (viewPath.isEmpty()) {
            throw new VuException(Errno.ENOENT, "empty path");
        }
        GuestPaths.Start start = paths.start(tid, task, viewPath, GuestPaths.AT_FDCWD);
        if (start == null) {
            throw new VuException(Errno.ENOENT, "no working directory");
        }
        Resolution r = paths.resolve(new PathResolver.Request(viewPath, start.path(), true, false, false, epoch,
                task.tgid, tid));
        if (r.failed()) {
            throw new VuException(r.errno(), viewPath);
        }
        return r;
    }

    /** umount2(target, flags): the result for the guest. */
    long umount(SyscallStop stop, Task task) {
        int tid = stop.tid();
        String target = stop.memory().readPath(tid, stop.arg(0));
        long flags = stop.arg(1);
        if (target == null) {
            return -stop.memory().lastErrno();
        }
        if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0 || target.isEmpty()) {
            return target.isEmpty() ? -Errno.ENOENT : -Errno.EINVAL;
        }
        GuestPaths.Start start = paths.start(tid, task, target, GuestPaths.AT_FDCWD);
        if (start == null) {
            return -Errno.ENOENT;
        }
        Resolution r = paths.resolve(new PathResolver.Request(target, start.path(), (flags & UMOUNT_NOFOLLOW) == 0,
                false, false, Integer.MAX_VALUE, task.tgid, tid));
        if (r.failed()) {
            return -r.errno();
        }
        Mount mount = mounts.mountedAt(r.path(), Integer.MAX_VALUE);
        if (mount == null) {
            return -Errno.EINVAL;
        }
        boolean force = (flags & (MNT_FORCE | MNT_DETACH)) != 0;
        boolean detach = (flags & MNT_DETACH) != 0;
        // Mounts below this one: the kernel says EBUSY; a lazy unmount takes them along.
        List<Mount> below = mounts.all().stream()
                .filter(m -> m != mount && m.epoch() > mount.epoch() && PathNames.isWithin(m.point(), mount.point()))
                .toList();
        if ((!below.isEmpty() && !detach) || (!force && busy(mount))) {
            return -Errno.EBUSY;
        }
        if (force) {
            stackSockets.shutDown(stackSockets.holders(mount, tasks.processes()));
        }
        List<Mount> gone = new java.util.ArrayList<>(below);
        gone.add(mount);
        for (Mount m : gone) {
            try {
                ModuleCalls.guarded(() -> {
                    m.fs().unmount(force);
                    return Boolean.TRUE;
                }, m.module());
            } catch (VuException e) {
                return -e.errno();
            }
        }
        gone.forEach(mounts::remove);
        gone.forEach(devices::unmounted);
        gone.forEach(tasks::stackGone);
        gone.forEach(stackSockets::unmounted);
        log.debug("unmounted {}", mount.point());
        return 0;
    }

    /**
     * A working directory or a still-open fd inside the mount keeps it busy, as the kernel says:
     * an fd by its record, or, served, by the placeholders any guest process holds; and a file
     * of it that another module opened (the ramdisk under a vudevpartx disk); for a network
     * stack, a socket of it that a guest process holds.
     */
    private boolean busy(Mount mount) {
        virtualFds.collect();
        if (virtualFds.inUse(mount) || moduleOpened.containsKey(mount)
                || !stackSockets.holders(mount, tasks.processes()).isEmpty()) {
            return true;
        }
        for (Task t : tasks.all()) {
            if (t.fs.virtual() && PathNames.isWithin(t.fs.cwd, mount.point()) && mounts.owner(t.fs.cwd, Integer.MAX_VALUE) == mount) {
                return true;
            }
        }
        for (Task t : tasks.all()) {
            for (var e : t.fds.open.entrySet()) {
                if (mounts.owner(e.getValue().path(), Integer.MAX_VALUE) == mount
                        && paths.holds(t.tgid, e.getKey(), e.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** VU_INSMOD(name, permanent). */
    long insmod(SyscallStop stop) {
        String name = stop.memory().readPath(stop.tid(), stop.arg(0));
        if (name == null) {
            return -stop.memory().lastErrno();
        }
        try {
            modules.insert(name, stop.arg(1) != 0);
            return 0;
        } catch (VuException e) {
            return -e.errno();
        }
    }

    /** VU_RMMOD(name). */
    long rmmod(SyscallStop stop) {
        String name = stop.memory().readPath(stop.tid(), stop.arg(0));
        if (name == null) {
            return -stop.memory().lastErrno();
        }
        boolean inUse = mounts.all().stream().anyMatch(m -> ModuleCalls.nameOf(m.module()).equals(name));
        try {
            modules.remove(name, inUse);
            return 0;
        } catch (VuException e) {
            return -e.errno();
        }
    }

    /** VU_LSMOD(buf, size). */
    long lsmod(SyscallStop stop) {
        StringBuilder text = new StringBuilder();
        for (VuModule m : modules.loaded()) {
            String description;
            try {
                description = m.description();
            } catch (RuntimeException e) {
                description = "(description failed: " + e + ")";
            }
            text.append(ModuleCalls.nameOf(m)).append(": ").append(description).append('\n');
        }
        return copyOut(stop, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** VU_LSMOUNT(buf, size). */
    long lsmount(SyscallStop stop) {
        return copyOut(stop, ProcMounts.mounts(mounts).getBytes(StandardCharsets.ISO_8859_1));
    }

    private static long copyOut(SyscallStop stop, byte[] text) {
        if (stop.arg(1) < text.length) {
            return -Errno.ERANGE;
        }
        if (text.length > 0 && stop.memory().write(stop.tid(), stop.arg(0), text, text.length) != text.length) {
            return -Errno.EFAULT;
        }
        return text.length;
    }
}
