package jvuos.testfs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jvuos.module.Credentials;
import jvuos.module.DirEntry;
import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.StatFs;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * A file system held in memory, served through the module SPI: the test vehicle of the
 * framework's served paths and virtual fds. It follows the kernel's rules for names
 * (rename over a directory, hard links, unlinked open files) so that programs run in it
 * behave as they do in a host directory.
 */
class MemFs implements ServedFileSystem {
    /** FS_IOC_GETFLAGS and FS_IOC_SETFLAGS: the one ioctl pair files here answer. */
    static final long GETFLAGS = 0x80086601L;
    static final long SETFLAGS = 0x40086602L;

    private long nextIno = 1;
    private final Node root;

    MemFs(Credentials owner) {
        root = new Node(FileStat.S_IFDIR | 0755, owner);
    }

    /** A file of any type. */
    final class Node {
        final long ino = nextIno++;
        int mode;
        int uid;
        int gid;
        long nlink;
        long rdev;
        long atime;
        long mtime;
        long ctime;
        int flags;
        byte[] data = new byte[0];
        long size;
        String target;
        Fifo fifo;
        final Map<String, Node> children = new TreeMap<>();
        final Map<String, byte[]> xattrs = new LinkedHashMap<>();

        Node(int mode, Credentials owner) {
            this.mode = mode;
            this.uid = owner.uid();
            this.gid = owner.gid();
            this.nlink = (mode & FileStat.S_IFMT) == FileStat.S_IFDIR ? 2 : 1;
            touch();
        }

        boolean isDir() {
            return (mode & FileStat.S_IFMT) == FileStat.S_IFDIR;
        }

        void touch() {
            long now = System.currentTimeMillis() * 1_000_000L;
            mtime = now;
            ctime = now;
            atime = now;
        }

        FileStat stat() {
            long length = isDir() ? 4096 : target != null ? target.length() : size;
            return new FileStat(mode, ino, nlink, uid, gid, rdev, length, (Math.min(size, data.length) + 511) / 512,
                    4096, atime, mtime, ctime);
        }

        void resize(long length) throws VuException {
            if (length > Integer.MAX_VALUE - 8) {
                throw new VuException(Errno.EFBIG, "too large for memory");
            }
            if (length > data.length) {
                data = Arrays.copyOf(data, (int) Math.max(length, Math.min(2L * data.length, Integer.MAX_VALUE - 8)));
            } else if (length < size) {
                Arrays.fill(data, (int) length, (int) Math.min(size, data.length), (byte) 0);
            }
            size = length;
        }
    }

    /** A character device "zero" in the root, serving device number major:minor everywhere. */
    void addZeroDevice(long major, long minor) throws VuException {
        long rdev = FileStat.makedev(major, minor);
        mknod("zero", FileStat.S_IFCHR | 0666, rdev, new Credentials(root.uid, root.gid));
        devices.put(rdev, "zero");
    }

    private final Map<Long, String> devices = new java.util.HashMap<>();

    @Override
    public Map<Long, String> devices() {
        return devices;
    }

    /** Appends text to a regular file of the root. */
    void append(String name, String text) {
        Node n = root.children.get(name);
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            long at = n.size;
            n.resize(at + bytes.length);
            System.arraycopy(bytes, 0, n.data, (int) at, bytes.length);
        } catch (VuException e) {
            throw new IllegalStateException(e);
        }
    }

    private Node find(String rel) throws VuException {
        Node n = root;
        if (rel.isEmpty()) {
            return n;
        }
        for (String name : rel.split("/")) {
            if (!n.isDir()) {
                throw new VuException(Errno.ENOTDIR, rel);
            }
            n = n.children.get(name);
            if (n == null) {
                throw new VuException(Errno.ENOENT, rel);
            }
        }
        return n;
    }

    private Node parentOf(String rel) throws VuException {
        int slash = rel.lastIndexOf('/');
        Node p = find(slash < 0 ? "" : rel.substring(0, slash));
        if (!p.isDir()) {
            throw new VuException(Errno.ENOTDIR, rel);
        }
        return p;
    }

    private static String nameOf(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    private Node add(String rel, Node n) throws VuException {
        Node p = parentOf(rel);
        if (p.children.containsKey(nameOf(rel))) {
            throw new VuException(Errno.EEXIST, rel);
        }
        p.children.put(nameOf(rel), n);
        if (n.isDir()) {
            p.nlink++;
        }
        p.touch();
        return n;
    }

    @Override
    public FileStat lstat(String rel) throws VuException {
        return find(rel).stat();
    }

    @Override
    public String readlink(String rel) throws VuException {
        Node n = find(rel);
        if (n.target == null) {
            throw new VuException(Errno.EINVAL, rel);
        }
        return n.target;
    }

    @Override
    public void create(String rel, int mode, Credentials owner) throws VuException {
        add(rel, new Node(FileStat.S_IFREG | mode, owner));
    }

    @Override
    public void mkdir(String rel, int mode, Credentials owner) throws VuException {
        add(rel, new Node(FileStat.S_IFDIR | mode, owner));
    }

    @Override
    public void mknod(String rel, int mode, long rdev, Credentials owner) throws VuException {
        add(rel, new Node(mode, owner)).rdev = rdev;
    }

    @Override
    public void symlink(String target, String rel, Credentials owner) throws VuException {
        add(rel, new Node(FileStat.S_IFLNK | 0777, owner)).target = target;
    }

    @Override
    public void link(String oldRel, String newRel) throws VuException {
        Node n = find(oldRel);
        add(newRel, n);
        n.nlink++;
        n.ctime = System.currentTimeMillis() * 1_000_000L;
    }

    @Override
    public void unlink(String rel) throws VuException {
        Node p = parentOf(rel);
        Node n = find(rel);
        if (n.isDir()) {
            throw new VuException(Errno.EISDIR, rel);
        }
        p.children.remove(nameOf(rel));
        n.nlink--;
        p.touch();
    }

    @Override
    public void rmdir(String rel) throws VuException {
        Node p = parentOf(rel);
        Node n = find(rel);
        if (!n.isDir()) {
            throw new VuException(Errno.ENOTDIR, rel);
        }
        if (!n.children.isEmpty()) {
            throw new VuException(Errno.ENOTEMPTY, rel);
        }
        p.children.remove(nameOf(rel));
        p.nlink--;
        n.nlink = 0;
        p.touch();
    }

    @Override
    public void rename(String from, String to, int flags) throws VuException {
        Node fromParent = parentOf(from);
        Node n = find(from);
        Node toParent = parentOf(to);
        Node existing = toParent.children.get(nameOf(to));
        if (n.isDir() && (to + "/").startsWith(from + "/") && !to.equals(from)) {
            throw new VuException(Errno.EINVAL, "into itself");
        }
        if ((flags & 2) != 0) { // RENAME_EXCHANGE
            if (existing == null) {
                throw new VuException(Errno.ENOENT, to);
            }
            fromParent.children.put(nameOf(from), existing);
            toParent.children.put(nameOf(to), n);
            return;
        }
        if (existing == n) {
            return;
        }
        if (existing != null) {
            if ((flags & 1) != 0) { // RENAME_NOREPLACE
                throw new VuException(Errno.EEXIST, to);
            }
            if (n.isDir() && !existing.isDir()) {
                throw new VuException(Errno.ENOTDIR, to);
            }
            if (!n.isDir() && existing.isDir()) {
                throw new VuException(Errno.EISDIR, to);
            }
            if (existing.isDir() && !existing.children.isEmpty()) {
                throw new VuException(Errno.ENOTEMPTY, to);
            }
            if (existing.isDir()) {
                toParent.nlink--;
            }
            existing.nlink--;
        }
        fromParent.children.remove(nameOf(from));
        toParent.children.put(nameOf(to), n);
        if (n.isDir()) {
            fromParent.nlink--;
            toParent.nlink++;
        }
        fromParent.touch();
        toParent.touch();
    }

    @Override
    public void chmod(String rel, int mode) throws VuException {
        Node n = find(rel);
        n.mode = (n.mode & FileStat.S_IFMT) | mode;
    }

    @Override
    public void chown(String rel, int uid, int gid) throws VuException {
        Node n = find(rel);
        n.uid = uid == -1 ? n.uid : uid;
        n.gid = gid == -1 ? n.gid : gid;
    }

    @Override
    public void truncate(String rel, long length) throws VuException {
        Node n = find(rel);
        n.resize(length);
        n.touch();
    }

    @Override
    public void utimens(String rel, long atime, long mtime) throws VuException {
        Node n = find(rel);
        n.atime = atime == OMIT ? n.atime : atime;
        n.mtime = mtime == OMIT ? n.mtime : mtime;
    }

    @Override
    public StatFs statfs() {
        return new StatFs(0x01021994L /* TMPFS_MAGIC */, 4096, 1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15, 255, 0);
    }

    /** Like tmpfs without ACLs: user.* and trusted.* attributes only. */
    private static void checkName(String name) throws VuException {
        if (!name.startsWith("user.") && !name.startsWith("trusted.")) {
            throw new VuException(Errno.EOPNOTSUPP, name);
        }
    }

    @Override
    public byte[] getxattr(String rel, String name) throws VuException {
        checkName(name);
        byte[] value = find(rel).xattrs.get(name);
        if (value == null) {
            throw new VuException(Errno.ENODATA, name);
        }
        return value;
    }

    @Override
    public void setxattr(String rel, String name, byte[] value, int flags) throws VuException {
        checkName(name);
        Node n = find(rel);
        if ((flags & 1) != 0 && n.xattrs.containsKey(name)) {
            throw new VuException(Errno.EEXIST, name);
        }
        if ((flags & 2) != 0 && !n.xattrs.containsKey(name)) {
            throw new VuException(Errno.ENODATA, name);
        }
        n.xattrs.put(name, value.clone());
    }

    @Override
    public List<String> listxattr(String rel) throws VuException {
        return new ArrayList<>(find(rel).xattrs.keySet());
    }

    @Override
    public void removexattr(String rel, String name) throws VuException {
        checkName(name);
        if (find(rel).xattrs.remove(name) == null) {
            throw new VuException(Errno.ENODATA, name);
        }
    }

    @Override
    public VirtualFile open(String rel, int flags) throws VuException {
        Node n = find(rel);
        int type = n.mode & FileStat.S_IFMT;
        if (type == FileStat.S_IFCHR) {
            return new ZeroDevice(n);
        }
        if (type == FileStat.S_IFIFO) {
            if (n.fifo == null) {
                n.fifo = new Fifo();
            }
            return n.fifo.open(n, flags);
        }
        if (type != FileStat.S_IFREG && type != FileStat.S_IFDIR) {
            throw new VuException(Errno.ENXIO, rel);
        }
        if (rel.endsWith("explode")) {
            return new OpenNode(n) { // a module with a bug: the hypervisor must survive it
                @Override
                public int read(ByteBuffer dst, long offset) {
                    throw new IllegalStateException("a bug in read");
                }
            };
        }
        return new OpenNode(n);
    }

    /** A regular file or directory, open. */
    private static class OpenNode implements VirtualFile {
        private final Node n;

        OpenNode(Node n) {
            this.n = n;
        }

        @Override
        public FileStat stat() {
            return n.stat();
        }

        @Override
        public int read(ByteBuffer dst, long offset) {
            if (offset >= n.size) {
                return 0;
            }
            int count = (int) Math.min(dst.remaining(), n.size - offset);
            dst.put(n.data, (int) offset, count);
            return count;
        }

        @Override
        public int write(ByteBuffer src, long offset) throws VuException {
            int count = src.remaining();
            if (offset + count > n.size) {
                n.resize(offset + count);
            }
            src.get(n.data, (int) offset, count);
            n.mtime = System.currentTimeMillis() * 1_000_000L;
            n.ctime = n.mtime;
            return count;
        }

        @Override
        public List<DirEntry> list() throws VuException {
            if (!n.isDir()) {
                throw new VuException(Errno.ENOTDIR, "not a directory");
            }
            List<DirEntry> entries = new ArrayList<>();
            n.children.forEach((name, child) -> entries.add(new DirEntry(name, child.ino, child.mode & FileStat.S_IFMT)));
            return entries;
        }

        @Override
        public void truncate(long length) throws VuException {
            n.resize(length);
            n.touch();
        }

        @Override
        public int ioctlSize(long request) {
            return request == GETFLAGS || request == SETFLAGS ? 4 : -1;
        }

        @Override
        public long ioctl(long request, long arg, ByteBuffer data) {
            if (request == GETFLAGS) {
                data.putInt(0, n.flags);
            } else {
                n.flags = data.getInt(0);
            }
            return 0;
        }
    }

    /** A character device node: reads zeros without end, takes every write, has no positions. */
    private static final class ZeroDevice implements VirtualFile {
        private final Node n;

        ZeroDevice(Node n) {
            this.n = n;
        }

        @Override
        public FileStat stat() {
            return n.stat();
        }

        @Override
        public boolean seekable() {
            return false;
        }

        @Override
        public int read(ByteBuffer dst, long offset) {
            int count = dst.remaining();
            dst.put(new byte[count]);
            return count;
        }

        @Override
        public int write(ByteBuffer src, long offset) {
            int count = src.remaining();
            src.position(src.limit());
            return count;
        }
    }
}
