package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.module.ServedFileSystem.O_RDONLY;
import static jvuos.module.ServedFileSystem.O_WRONLY;
import static jvuos.vufs.UnionText.errnoName;
import static jvuos.vufs.UnionText.join;
import static jvuos.vufs.UnionText.line;
import static jvuos.vufs.UnionText.show;
import static jvuos.vufs.UnionText.typeName;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.vufs.UnionScenario.Entry;
import jvuos.vufs.UnionScenario.Mode;
import jvuos.vufs.UnionText.Seen;

/**
 * The union property test's model: the view the union must show, as a plain file system, and
 * the rules of the mode. Every operation returns what it expects and, when the module is to
 * succeed, has already made its change.
 */
final class UnionModel {
    /** renameat2's RENAME_NOREPLACE. */
    static final int RENAME_NOREPLACE = 1;
    private static final int FOLLOWS = -1;
    final Mode mode;
    final Node root;
    final Set<String> whiteouts;
    final Map<Integer, Handle> fds = new TreeMap<>();

    UnionModel(UnionScenario scenario) {
        mode = scenario.mode();
        whiteouts = new TreeSet<>(scenario.whiteouts());
        root = overlay(Node.tree(scenario.upper(), true), Node.tree(scenario.lower(), false), "");
    }

    /**
     * A file of the model; a hard link is the same Node under two names. {@code upper} and
     * {@code lower} say which layers hold the file, where that matters: merge refuses to change
     * an entry of A (upper) and creates only in a directory B holds (lower, visible: not
     * whited out); cow refuses to rename a directory B holds. A directory both hold is merged;
     * one that A holds over a whiteout or over a file of B is A's alone (opaque).
     */
    static final class Node {
        final int type;
        int perm;
        int uid;
        int gid;
        byte[] data = new byte[0];
        String target;
        final TreeMap<String, Node> children = new TreeMap<>();
        /** Null where the model does not know it: after a write, and for directories (see UnionOp.utimens). */
        Long mtime;
        boolean upper;
        boolean lower;

        Node(int type, int perm, int uid, int gid) {
            this.type = type;
            this.perm = perm;
            this.uid = uid;
            this.gid = gid;
        }

        static Node tree(List<Entry> entries, boolean upper) {
            Node root = new Node(S_IFDIR, 0755, 0, 0);
            root.upper = upper;
            root.lower = !upper;
            for (Entry e : entries) {
                Node n = new Node(e.type(), e.perm(), e.uid(), e.gid());
                n.upper = upper;
                n.lower = !upper;
                n.data = e.data() == null ? new byte[0] : e.data().clone(); // writes must not reach the scenario
                n.target = e.target();
                n.mtime = e.type() == S_IFREG ? e.mtime() : null; // UnionHost.build sets only those of files
                Node parent = root;
                String[] parts = e.path().split("/");
                for (int i = 0; i < parts.length - 1; i++) {
                    parent = parent.children.get(parts[i]);
                }
                parent.children.put(parts[parts.length - 1], n);
            }
            return root;
        }

        long size() {
            return type == S_IFREG ? data.length : type == S_IFLNK ? target.length() : 0;
        }

        void truncate(long length) {
            data = Arrays.copyOf(data, (int) length);
            mtime = null; // now, which the model does not know
        }

        /** An empty write changes nothing, not even the size, as pwrite(2) of 0 bytes. */
        void write(long offset, byte[] bytes) {
            if (bytes.length == 0) {
                return;
            }
            if (offset + bytes.length > data.length) {
                data = Arrays.copyOf(data, (int) offset + bytes.length);
            }
            System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
            mtime = null;
        }

        Seen seen(boolean withContent) {
            return new Seen(line(type | perm, uid, gid, size(), withContent && type == S_IFREG ? data : null, target), mtime);
        }
    }

    /** An open file of the model. */
    record Handle(Node node, int access) {
    }

    /**
     * What the model says a step does: the hypervisor answers it (the module is not called,
     * {@code value} says why), or the module fails with one of {@code errnos}, or it succeeds
     * with {@code value}.
     */
    record Expect(boolean callsModule, Set<Integer> errnos, String value) {
        /** The value of a call that returns nothing but its success. */
        static final String OK = "ok";

        static Expect hypervisor(String why) {
            return new Expect(false, Set.of(), why);
        }

        static Expect hypervisor(int errno) {
            return hypervisor(errnoName(errno));
        }

        static Expect fails(Set<Integer> errnos) {
            return new Expect(true, java.util.Collections.unmodifiableSet(new TreeSet<>(errnos)), null); // one order in every report
        }

        static Expect fails(int errno) {
            return fails(Set.of(errno));
        }

        static Expect ok() {
            return ok(OK);
        }

        static Expect ok(String value) {
            return new Expect(true, Set.of(), value);
        }

        boolean succeeds() {
            return callsModule && errnos.isEmpty();
        }

        boolean accepts(int errno, String got) {
            return errnos.isEmpty() ? errno == 0 && value.equals(got) : errnos.contains(errno);
        }

        /** Without the value, which changes as a case shrinks. */
        String outcome() {
            return succeeds() ? "success" : errnos.stream().map(UnionText::errnoName).collect(Collectors.joining(" or "));
        }

        @Override
        public String toString() {
            return !callsModule ? "hypervisor: " + value : succeeds() ? value : outcome();
        }
    }

    /** The union at a path: A's entry wins, B's shows where A has none and no whiteout hides it, two directories merge. */
    private Node overlay(Node upper, Node lower, String path) {
        Node below = whiteouts.contains(path) ? null : lower;
        Node top = upper != null ? upper : below;
        if (top == null || top.type != S_IFDIR) {
            return top;
        }
        Node merged = upper != null && below != null && below.type == S_IFDIR ? below : null;
        if (upper != null) {
            top.lower = merged != null;
        }
        Set<String> names = new TreeSet<>(top.children.keySet());
        if (merged != null) {
            names.addAll(merged.children.keySet());
        }
        for (String name : names) {
            String p = join(path, name);
            Node child = upper == null ? overlay(null, top.children.get(name), p)
                    : overlay(upper.children.get(name), merged == null ? null : merged.children.get(name), p);
            if (child == null) {
                top.children.remove(name);
            } else {
                top.children.put(name, child);
            }
        }
        return top;
    }

    /** The hypervisor's lookup of a path: the parent directory and the entry (null when missing), or why it stops. */
    record Lookup(Node parent, String name, Node node, int stop) {
        Expect stopped() {
            return Expect.hypervisor(stop == FOLLOWS ? "symlink on the path, not modelled" : errnoName(stop));
        }

        /** The hypervisor's answer where the path names no file (it stops on the way, or nothing is there), else null. */
        Expect missing() {
            return stop != 0 ? stopped() : node == null ? Expect.hypervisor(Errno.ENOENT) : null;
        }
    }

    Lookup lookup(String path) {
        if (path.isEmpty()) {
            return new Lookup(null, "", root, 0);
        }
        Node dir = root;
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            Node next = dir.children.get(parts[i]);
            int stop = next == null ? Errno.ENOENT
                    : next.type == S_IFLNK ? FOLLOWS : next.type != S_IFDIR ? Errno.ENOTDIR : 0;
            if (stop != 0) {
                return new Lookup(null, null, null, stop);
            }
            dir = next;
        }
        String name = parts[parts.length - 1];
        return new Lookup(dir, name, dir.children.get(name), 0);
    }

    /** Every path of the view but the root, with its file. */
    Map<String, Node> paths() {
        Map<String, Node> paths = new TreeMap<>();
        collect(root, "", paths);
        return paths;
    }

    private static void collect(Node dir, String path, Map<String, Node> paths) {
        dir.children.forEach((name, child) -> {
            String p = join(path, name);
            paths.put(p, child);
            if (child.type == S_IFDIR) {
                collect(child, p, paths);
            }
        });
    }

    /** The view as the final checks see it. */
    Map<String, Seen> tree() {
        Map<String, Seen> tree = new TreeMap<>();
        paths().forEach((path, node) -> tree.put(path, node.seen(true)));
        return tree;
    }

    /** A new file: in A with cow, in B with merge and (as root) mincow. */
    Node fresh(int type, int perm, Credentials owner) {
        Node n = new Node(type, perm, owner.uid(), owner.gid());
        n.upper = mode == Mode.COW;
        n.lower = mode != Mode.COW;
        return n;
    }

    private boolean readOnly(Node n) {
        return mode == Mode.MERGE && n.upper;
    }

    /** In merge, a new name needs its directory in B and no whiteout of A on it. */
    private boolean mayCreate(Lookup l, String path) {
        return mode != Mode.MERGE || l.parent().lower && !whiteouts.contains(path);
    }

    Expect make(String path, Node node) {
        Lookup l = lookup(path);
        if (l.stop() != 0) {
            return l.stopped();
        }
        if (l.node() != null) {
            return Expect.hypervisor(Errno.EEXIST);
        }
        if (!mayCreate(l, path)) {
            return Expect.fails(Errno.EROFS);
        }
        l.parent().children.put(l.name(), node);
        return Expect.ok();
    }

    Expect remove(String path, boolean directory) {
        Lookup l = lookup(path);
        Expect missing = l.missing();
        if (missing != null) {
            return missing;
        }
        if (path.isEmpty()) {
            return Expect.hypervisor(Errno.EBUSY);
        }
        if (directory != (l.node().type == S_IFDIR)) {
            return Expect.hypervisor(directory ? Errno.ENOTDIR : Errno.EISDIR);
        }
        Set<Integer> errors = new TreeSet<>();
        if (readOnly(l.node())) {
            errors.add(Errno.EROFS);
        }
        if (!l.node().children.isEmpty()) {
            errors.add(Errno.ENOTEMPTY);
        }
        if (!errors.isEmpty()) {
            return Expect.fails(errors);
        }
        l.parent().children.remove(l.name());
        return Expect.ok();
    }

    Expect rename(String from, String to, int flags) {
        Lookup src = lookup(from);
        Lookup dst = lookup(to);
        Expect missing = src.missing();
        if (missing != null) {
            return missing;
        }
        if (dst.stop() != 0) {
            return dst.stopped();
        }
        if (from.isEmpty() || to.isEmpty()) {
            return Expect.hypervisor(Errno.EBUSY);
        }
        if (from.equals(to)) {
            return Expect.hypervisor("same name, nothing to do");
        }
        Set<Integer> errors = renameErrors(src, dst, from, to, flags);
        if (!errors.isEmpty()) {
            return Expect.fails(errors);
        }
        // Two names of one file: rename(2) does nothing and both stay.
        if (src.node() != dst.node()) {
            src.parent().children.remove(src.name());
            dst.parent().children.put(dst.name(), src.node());
        }
        return Expect.ok();
    }

    private Set<Integer> renameErrors(Lookup src, Lookup dst, String from, String to, int flags) {
        Set<Integer> errors = new TreeSet<>();
        boolean dir = src.node().type == S_IFDIR;
        if (dir && to.startsWith(from + "/")) {
            errors.add(Errno.EINVAL);
        }
        if (dst.node() != null) {
            boolean dstDir = dst.node().type == S_IFDIR;
            if ((flags & RENAME_NOREPLACE) != 0) {
                errors.add(Errno.EEXIST);
            }
            if (dir && !dstDir) {
                errors.add(Errno.ENOTDIR);
            }
            if (!dir && dstDir) {
                errors.add(Errno.EISDIR);
            }
            if (dstDir && !dst.node().children.isEmpty()) {
                errors.add(Errno.ENOTEMPTY);
            }
        }
        if (mode == Mode.COW && dir && src.node().lower) {
            errors.add(Errno.EXDEV);
        }
        if (readOnly(src.node()) || dst.node() != null && readOnly(dst.node()) || !mayCreate(dst, to)) {
            errors.add(Errno.EROFS);
        }
        return errors;
    }

    Expect link(String from, String to) {
        Lookup src = lookup(from);
        Lookup dst = lookup(to);
        Expect missing = src.missing();
        if (missing != null) {
            return missing;
        }
        if (src.node().type == S_IFDIR) {
            return Expect.hypervisor(Errno.EPERM);
        }
        if (dst.stop() != 0) {
            return dst.stopped();
        }
        if (dst.node() != null) {
            return Expect.hypervisor(Errno.EEXIST);
        }
        // A link changes its source (its link count): in merge, A's files are read-only.
        if (readOnly(src.node()) || !mayCreate(dst, to)) {
            return Expect.fails(Errno.EROFS);
        }
        dst.parent().children.put(dst.name(), src.node());
        return Expect.ok();
    }

    /** chmod, chown, truncate, utimens: on an existing file the call is made for ({@code served}). */
    Expect change(String path, Predicate<Node> served, Consumer<Node> change) {
        Lookup l = lookup(path);
        Expect missing = l.missing();
        if (missing != null) {
            return missing;
        }
        if (path.isEmpty() || !served.test(l.node())) {
            return Expect.hypervisor("not modelled for a " + typeName(l.node().type) + (path.isEmpty() ? " (root)" : ""));
        }
        if (readOnly(l.node())) {
            return Expect.fails(Errno.EROFS);
        }
        change.accept(l.node());
        return Expect.ok();
    }

    Expect open(int fd, String path, int access, boolean truncate) {
        Lookup l = lookup(path);
        Expect missing = l.missing();
        if (missing != null) {
            return missing;
        }
        if (l.node().type != S_IFREG) {
            return Expect.hypervisor("not modelled for a " + typeName(l.node().type));
        }
        if ((access != O_RDONLY || truncate) && readOnly(l.node())) {
            return Expect.fails(Errno.EROFS);
        }
        if (truncate) {
            l.node().truncate(0);
        }
        fds.put(fd, new Handle(l.node(), access));
        return Expect.ok();
    }

    Expect read(int fd, long offset, int length) {
        Handle h = fds.get(fd);
        if (h == null || h.access() == O_WRONLY) {
            return Expect.hypervisor("fd not open for reading");
        }
        byte[] data = h.node().data;
        int from = (int) Math.min(offset, data.length);
        int to = (int) Math.min(data.length, offset + length);
        return Expect.ok("size=" + data.length + " " + show(Arrays.copyOfRange(data, from, to)));
    }

    Expect write(int fd, long offset, byte[] bytes) {
        Handle h = fds.get(fd);
        if (h == null || h.access() == O_RDONLY) {
            return Expect.hypervisor("fd not open for writing");
        }
        h.node().write(offset < 0 ? h.node().data.length : offset, bytes);
        return Expect.ok("wrote " + bytes.length);
    }

    Expect close(int fd) {
        return fds.remove(fd) == null ? Expect.hypervisor("fd not open") : Expect.ok();
    }

    /** The view is unchanged; open files are closed first, as umount would insist. */
    Expect remount() {
        fds.clear();
        return Expect.ok();
    }

    Expect list(String path) {
        Lookup l = lookup(path);
        if (l.stop() != 0) {
            return l.stopped();
        }
        if (l.node() == null || l.node().type != S_IFDIR) {
            return Expect.hypervisor(l.node() == null ? Errno.ENOENT : Errno.ENOTDIR);
        }
        return Expect.ok(l.node().children.entrySet().stream().map(e -> e.getKey() + ":" + typeName(e.getValue().type))
                .collect(Collectors.joining(" ", "[", "]")));
    }

    /** The lstat of the last component is the module's: ENOENT there is its answer. */
    Expect stat(String path) {
        Lookup l = lookup(path);
        if (l.stop() != 0) {
            return l.stopped();
        }
        return l.node() == null ? Expect.fails(Errno.ENOENT) : Expect.ok(l.node().seen(false).line());
    }
}
