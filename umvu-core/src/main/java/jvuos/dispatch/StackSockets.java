package jvuos.dispatch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jvuos.host.HostFiles;
import jvuos.vfs.Mount;

/**
 * The sockets that mounted network stacks gave the guest, by inode number: a stack is busy
 * while a guest process still holds one of its sockets (looked for in /proc/PID/fd, whose
 * links name sockets "socket:[INODE]"), and a forced unmount shuts those sockets down.
 */
final class StackSockets {
    private final HostFiles host;
    private final Map<Mount, Set<Long>> handedOut = new HashMap<>();
    /** The size of a stack's set after it was last pruned: at twice that, it is pruned again. */
    private final Map<Mount, Integer> prunedAt = new HashMap<>();
    private final java.util.function.Supplier<Set<Integer>> guestProcesses;

    StackSockets(HostFiles host, java.util.function.Supplier<Set<Integer>> guestProcesses) {
        this.host = host;
        this.guestProcesses = guestProcesses;
    }

    /**
     * The stack made {@code fd}, a socket the guest is about to get. The sockets no guest holds
     * any more are forgotten whenever the set has doubled since they were last looked for.
     */
    void handedOut(Mount stack, int fd) {
        long inode = host.fdInode(fd);
        if (inode >= 0) {
            Set<Long> sockets = handedOut.computeIfAbsent(stack, m -> new HashSet<>());
            sockets.add(inode);
            if (sockets.size() >= 2 * prunedAt.getOrDefault(stack, 64)) {
                holders(stack, guestProcesses.get());
                prunedAt.put(stack, Math.max(64, sockets.size()));
            }
        }
    }

    /** A guest process's fd holding a stack's socket (by its inode, as it was when found). */
    record Holder(int tgid, int fd, long inode) {
    }

    /**
     * Where guest processes {@code tgids} hold sockets of the stack, one holder for each socket;
     * the sockets none holds any more are forgotten.
     */
    List<Holder> holders(Mount stack, Set<Integer> tgids) {
        Set<Long> sockets = handedOut.get(stack);
        if (sockets == null || sockets.isEmpty()) {
            return List.of();
        }
        Map<Long, Holder> held = new HashMap<>();
        for (int tgid : tgids) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", String.valueOf(tgid), "fd"))) {
                for (Path fd : fds) {
                    String link = host.readlink(fd.toString());
                    if (link != null && link.startsWith("socket:[") && link.endsWith("]")) {
                        long inode = Long.parseLong(link.substring(8, link.length() - 1));
                        if (sockets.contains(inode)) {
                            held.putIfAbsent(inode, new Holder(tgid, Integer.parseInt(fd.getFileName().toString()), inode));
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // A process gone meanwhile holds nothing.
            }
        }
        sockets.retainAll(held.keySet());
        return new ArrayList<>(held.values());
    }

    /**
     * Shuts down each socket a holder holds (readers then see their end, writers EPIPE); one
     * whose fd number now holds another file (the process went on meanwhile) is left alone.
     */
    void shutDown(List<Holder> holders) {
        for (Holder h : holders) {
            int fd = host.borrow(h.tgid(), h.fd());
            if (fd >= 0) {
                if (host.fdInode(fd) == h.inode()) {
                    host.shutdown(fd);
                }
                host.close(fd);
            }
        }
    }

    void unmounted(Mount stack) {
        handedOut.remove(stack);
        prunedAt.remove(stack);
    }
}
