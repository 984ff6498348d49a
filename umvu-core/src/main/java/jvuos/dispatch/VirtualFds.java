package jvuos.dispatch;

import java.io.File;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.host.HostFiles;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.errno.Errno;
import jvuos.vfs.Mount;
import jvuos.vfs.ModuleCalls;

/**
 * The open descriptions of served files, each behind its placeholder pipe.
 *
 * <p>The guest's fds are the kernel's: dup, fork, exec with close-on-exec, close_range and
 * fds passed over sockets all act on the placeholder as on any file. Which descriptions are
 * still held is therefore asked of the kernel, not mirrored: the placeholders named in
 * /proc/PID/fd of the guest's processes. A description no fd holds any more is closed (its
 * module's {@link VirtualFile#close} called) when the hypervisor looks, which it does before
 * an unmount and as descriptions accumulate.
 */
final class VirtualFds {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final int FIRST_COLLECTION = 64;

    private final HostFiles host;
    private final Map<String, OpenDescription> byIdentity = new HashMap<>();
    private int collectAt = FIRST_COLLECTION;

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

    /** The guest's open of the placeholder failed: nothing holds the description. */
    void failed(OpenDescription d) {
        release(d);
        byIdentity.remove(d.identity);
    }

    /** The description a guest fd's /proc link names, if it is a placeholder. */
    OpenDescription byLink(String link) {
        return link == null ? null : byIdentity.get(link);
    }

    /** Collects released descriptions when many have been opened since the last look. */
    void collectSometimes(Set<Integer> processes) {
        if (byIdentity.size() >= collectAt) {
            collect(processes);
            collectAt = Math.max(FIRST_COLLECTION, 2 * byIdentity.size());
        }
    }

    /** Closes every description no fd of the guest processes {@code processes} holds. */
    void collect(Set<Integer> processes) {
        if (byIdentity.isEmpty()) {
            return;
        }
        Set<String> held = new HashSet<>();
        for (int pid : processes) {
            String[] fds = new File("/proc/" + pid + "/fd").list();
            if (fds == null) {
                continue; // gone meanwhile
            }
            for (String fd : fds) {
                String link = host.readlink("/proc/" + pid + "/fd/" + fd);
                if (link != null && link.startsWith("pipe:")) {
                    held.add(link);
                }
            }
        }
        for (Iterator<OpenDescription> it = byIdentity.values().iterator(); it.hasNext();) {
            OpenDescription d = it.next();
            if (!d.pending && !held.contains(d.identity)) {
                release(d);
                it.remove();
            }
        }
    }

    /** True when a description of the mount is open (after a {@link #collect}). */
    boolean inUse(Mount mount) {
        return byIdentity.values().stream().anyMatch(d -> d.mount == mount);
    }

    private void release(OpenDescription d) {
        try {
            ModuleCalls.run(d.file::close, d.mount.module());
        } catch (VuException e) {
            log.debug("close of a served file failed: {}", e.getMessage());
        }
        host.close(d.readEnd);
        host.close(d.writeEnd);
    }
}
