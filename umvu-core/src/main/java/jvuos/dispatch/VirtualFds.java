package jvuos.dispatch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.Mount;

/**
 * The open descriptions of served files, each behind its placeholder pipe.
 *
 * <p>The guest's fds are the kernel's: dup, fork, exec with close-on-exec, close_range, exit
 * and fds passed over sockets all act on the placeholder as on any file. So the kernel, not
 * a mirror, says when a description is closed: the guest opens the placeholder read-write,
 * the hypervisor keeps only the read end, and once no guest fd holds the pipe it has no
 * writer left, which poll reports as POLLHUP. The hypervisor looks after each close, exec
 * and exit of a guest thread, and before an unmount; the module hears {@link VirtualFile#close}
 * then, exactly once.
 */
final class VirtualFds {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");

    private final HostFiles host;
    /** For readiness changes, which modules may report from threads of their own: used under its lock only. */
    private final HostFiles readinessHost = new HostFiles();
    private final Map<String, OpenDescription> byIdentity = new LinkedHashMap<>();

    VirtualFds(HostFiles host) {
        this.host = host;
    }

    /** A new description with its placeholder; pending until the guest's open of it returns. */
    OpenDescription open(Mount mount, VirtualFile file, int flags, boolean directory) throws VuException {
        int[] pipe = host.readyPipe();
        if (pipe == null) {
            throw new VuException(host.lastErrno(), "no placeholder pipe");
        }
        String identity = host.readlink("/proc/self/fd/" + pipe[0]);
        if (identity == null) {
            host.close(pipe[0]);
            host.close(pipe[1]);
            throw new VuException(Errno.EIO, "placeholder without identity");
        }
        OpenDescription d = new OpenDescription(mount, file, pipe, identity, flags, directory);
        byIdentity.put(identity, d);
        return d;
    }

    /**
     * The guest holds the placeholder now: the hypervisor lets go of its writer, and a
     * pollable file starts unready and reports its readiness from here on.
     */
    void opened(OpenDescription d) {
        d.pending = false;
        host.close(d.writeEnd);
        if (d.pollable) {
            synchronized (d) {
                d.ready = true;
                setReady(d, false);
            }
            try {
                ModuleCalls.run(() -> d.file.watch(ready -> {
                    synchronized (d) {
                        setReady(d, ready);
                    }
                }), d.mount.module());
            } catch (VuException e) {
                log.debug("watch of a served file failed: {}", e.getMessage());
            }
        }
    }

    /** The placeholder holds its byte (poll: readable) exactly while the file is ready. */
    private void setReady(OpenDescription d, boolean ready) {
        if (d.ready == ready || d.closed) {
            return;
        }
        synchronized (readinessHost) {
            if (ready ? readinessHost.putByte(d.readEnd) : readinessHost.takeByte(d.readEnd)) {
                d.ready = ready;
            }
        }
    }

    /** The guest's open of the placeholder failed: nothing holds the description. */
    void failed(OpenDescription d) {
        byIdentity.remove(d.identity);
        host.close(d.writeEnd);
        release(d);
    }

    /** Closes every description that no guest fd holds any more. */
    void collect() {
        List<OpenDescription> open = new ArrayList<>();
        for (OpenDescription d : byIdentity.values()) {
            if (!d.pending && !ServedMappings.mapped(d)) { // a mapping keeps the file open
                open.add(d);
            }
        }
        int[] ends = open.stream().mapToInt(d -> d.readEnd).toArray();
        boolean[] hungUp = host.hungUp(ends);
        for (int i = 0; i < ends.length; i++) {
            if (hungUp[i]) {
                OpenDescription d = open.get(i);
                byIdentity.remove(d.identity);
                release(d);
            }
        }
    }

    boolean isEmpty() {
        return byIdentity.isEmpty();
    }

    /** True when a description of the mount is open (after a {@link #collect}). */
    boolean inUse(Mount mount) {
        for (Iterator<OpenDescription> it = byIdentity.values().iterator(); it.hasNext();) {
            if (it.next().mount == mount) {
                return true;
            }
        }
        return false;
    }

    private void release(OpenDescription d) {
        synchronized (d) {
            d.closed = true;
            host.close(d.readEnd);
        }
        try {
            ModuleCalls.run(d.file::close, d.mount.module());
        } catch (VuException e) {
            log.debug("close of a served file failed: {}", e.getMessage());
        }
    }
}
