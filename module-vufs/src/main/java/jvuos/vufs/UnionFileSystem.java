package jvuos.vufs;

import static jvuos.vufs.RelativePaths.child;
import static jvuos.vufs.RelativePaths.isWithin;
import static jvuos.vufs.RelativePaths.parent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.HostDirectory;
import jvuos.module.ServedFileSystem;
import jvuos.module.StatFs;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * vufs merge, cow and mincow: the union of an upper layer A (the mount's source) over a lower
 * layer B (what the mount point showed before), served by the module. A name in A hides the
 * same name in B, except that two directories merge; a whiteout in {@code A/.-} hides a name
 * of B ({@link ShadowDirectory}).
 *
 * <ul>
 * <li><b>cow</b>: B is never written. A change to a file of B first copies it up into A
 * (its directories, owner, mode, times, symlink target and data); removing a name of B
 * leaves a whiteout; renaming a directory of B is EXDEV, as in overlayfs without redirect_dir.
 * <li><b>merge</b>: A is read-only (EROFS for every change to a name A has); B is written
 * as it is.
 * <li><b>mincow</b>: each change is tried on B first, and only where the host refuses it
 * (EACCES, EPERM, EROFS) done as in cow.
 * </ul>
 *
 * The host decides who may do what ({@link #hostDecidesPermissions}): the module's calls run
 * as the user who started umvu, and what the host will not let that user set on a file of A
 * (another owner, a device node) is recorded as virtual attributes instead, as VUOS does.
 */
final class UnionFileSystem implements ServedFileSystem {
    private static final Logger log = LoggerFactory.getLogger("jvuos.vufs");
    /** How many lower directories are remembered as reached without a symlink. */
    private static final int PLAIN_DIRECTORIES_KEPT = 8192;
    private static final int R_OK = 4;
    private static final int W_OK = 2;

    private final MountOptions.Mode mode;
    private final String upper;
    private final String lower;
    private final MountOptions options;
    private final LayerCalls host;
    private final ShadowDirectory shadow;
    private final InodeNumbers inodes;
    /** Open files and directories by their path in the view, to follow renames and copy-ups. */
    private final Map<String, List<OpenInView>> open = new HashMap<>();
    /** Lower directories known to be directories reached without a symlink (cleared whenever B changes). */
    private final Set<String> plainLowerDirectories = new HashSet<>();

    /** A name of the view: the layer file that holds it and its host attributes. */
    private record Found(String rel, boolean upper, String hostPath, FileStat stat) {
    }

    @FunctionalInterface
    private interface HostChange {
        void on(String hostPath) throws VuException;
    }

    UnionFileSystem(LayerCalls host, MountOptions options, String upper, String lower) throws VuException {
        this.host = host;
        this.mode = options.mode();
        this.upper = upper;
        this.lower = lower;
        this.options = options;
        this.shadow = new ShadowDirectory(host, upper, mode != MountOptions.Mode.MERGE);
        this.inodes = new InodeNumbers(host.device(upper) == host.device(lower));
        if (mode != MountOptions.Mode.MERGE) {
            reopenWhitedOutDirectories();
        }
    }

    /**
     * A directory of A that is also whited out (an A written by hand, or by VUOS after an
     * rmdir and a mkdir) is shown as VUOS shows it, without B's entries: it becomes opaque.
     */
    private void reopenWhitedOutDirectories() throws VuException {
        for (String w : shadow.whiteoutsList()) {
            if (host.isPlainDirectory(upperPath(w)) && !shadow.whitedOut(parent(w))) {
                shadow.dewhiteout(w);
                if (lowerDirectoryIsPlain(w)) {
                    makeOpaque(w);
                }
            }
        }
    }

    @Override
    public boolean claims(String rel) {
        return !options.excepts(rel);
    }

    @Override
    public boolean hostDecidesPermissions() {
        return true;
    }

    /** True for a host path of the upper layer (A itself included). */
    private boolean onUpper(String hostPath) {
        return hostPath.equals(upper) || hostPath.startsWith(upper + "/");
    }

    private String upperPath(String rel) {
        return rel.isEmpty() ? upper : upper + "/" + rel;
    }

    private String lowerPath(String rel) {
        return rel.isEmpty() ? lower : lower + "/" + rel;
    }

    // Looking names up.

    private Found find(String rel) throws VuException {
        Found f = findIfAny(rel);
        if (f == null) {
            throw new VuException(Errno.ENOENT, rel);
        }
        return f;
    }

    private Found findIfAny(String rel) throws VuException {
        if (rel.equals(ShadowDirectory.NAME) || rel.startsWith(ShadowDirectory.NAME + "/")) {
            return null;
        }
        String up = upperPath(rel);
        // (ENOTDIR is thrown: a file of A stands where the view needs a directory.)
        FileStat s = host.lstatIfPresent(up);
        if (s != null) {
            return new Found(rel, true, up, s);
        }
        if (shadow.whitedOut(rel)) {
            return null;
        }
        return lowerIfAny(rel);
    }

    /** B's entry at {@code rel}, if B has one below directories that are no symlinks. */
    private Found lowerIfAny(String rel) throws VuException {
        if (!lowerDirectoryIsPlain(parent(rel))) {
            return null;
        }
        String down = lowerPath(rel);
        FileStat s = host.lstatIfAny(down);
        if (s != null && s.isDirectory()) {
            knownPlain(rel); // a directory (no symlink: lstat) in a plain directory
        }
        return s == null ? null : new Found(rel, false, down, s);
    }

    /**
     * True when B has a directory at {@code rel} reached without a symlink: only then do its
     * entries belong to the view (a symlink of B where A has a directory is hidden by it, and
     * the host must not follow it).
     */
    private boolean lowerDirectoryIsPlain(String rel) throws VuException {
        if (rel.isEmpty() || plainLowerDirectories.contains(rel)) {
            return true;
        }
        if (!host.isPlainDirectory(lowerPath(rel))) {
            return false;
        }
        knownPlain(rel);
        return true;
    }

    private void knownPlain(String rel) {
        if (plainLowerDirectories.size() >= PLAIN_DIRECTORIES_KEPT) {
            plainLowerDirectories.clear();
        }
        plainLowerDirectories.add(rel);
    }

    private boolean lowerHas(String rel) throws VuException {
        return lowerIfAny(rel) != null;
    }

    /** The lower layer changed: what was learnt of its directories may be wrong now. */
    private void lowerChanged() {
        plainLowerDirectories.clear();
    }

    FileStat viewStat(String rel, FileStat hostStat, boolean onUpper) {
        FileStat s = rel == null ? hostStat : shadow.attributes(rel).applyTo(hostStat);
        return new FileStat(s.mode(), inodes.view(s.ino(), onUpper), s.nlink(), s.uid(), s.gid(), s.rdev(), s.size(),
                s.blocks(), s.blockSize(), s.atime(), s.mtime(), s.ctime());
    }

    @Override
    public FileStat lstat(String rel) throws VuException {
        Found f = find(rel);
        return viewStat(rel, f.stat, f.upper);
    }

    @Override
    public String readlink(String rel) throws VuException {
        Found f = find(rel);
        if (!f.stat.isSymlink()) {
            throw new VuException(Errno.EINVAL, "not a symlink");
        }
        return host.readlink(f.hostPath);
    }

    /** The directory's entries in the view: A's, then B's that A neither has nor whites out. */
    List<DirEntry> list(String rel) throws VuException {
        Found f = find(rel);
        if (!f.stat.isDirectory()) {
            throw new VuException(Errno.ENOTDIR, rel);
        }
        Map<String, DirEntry> entries = new LinkedHashMap<>();
        if (f.upper) {
            for (DirEntry e : host.list(f.hostPath)) {
                if (!(rel.isEmpty() && e.name().equals(ShadowDirectory.NAME))) {
                    entries.put(e.name(), viewEntry(child(rel, e.name()), e, true));
                }
            }
        }
        boolean lowerToo = !f.upper || showsLowerDirectory(rel);
        if (lowerToo) {
            for (DirEntry e : host.list(lowerPath(rel))) {
                String c = child(rel, e.name());
                if (!entries.containsKey(e.name()) && !shadow.isWhiteout(c)) {
                    entries.put(e.name(), viewEntry(c, e, false));
                }
            }
        }
        return new ArrayList<>(entries.values());
    }

    /**
     * B's directory wherever the view shows it, else A's. B's lists as the view does when it
     * is a directory only B has, about which A's shadow directory holds nothing (no whiteout
     * or attributes of its entries, no attributes of its own). In cow, a change in it makes it
     * a directory of A, and the guest's fd then lists the view from its next read at position 0.
     */
    @Override
    public HostDirectory hostDirectory(String rel) throws VuException {
        boolean upperHas = rel.isEmpty() || host.lstatIfPresent(upperPath(rel)) != null;
        if (showsLowerDirectory(rel)) {
            return new HostDirectory(lowerPath(rel), !upperHas && shadow.holdsNothingFor(rel));
        }
        return upperHas && host.isPlainDirectory(upperPath(rel)) ? new HostDirectory(upperPath(rel), false) : null;
    }

    private DirEntry viewEntry(String rel, DirEntry e, boolean onUpper) {
        Integer virtualType = shadow.attributes(rel).type();
        return new DirEntry(e.name(), inodes.view(e.ino(), onUpper), virtualType != null ? virtualType : e.type());
    }

    // Copy-up.

    /** Makes sure A has the directory {@code rel} of the view, copying it (and its parents) up from B. */
    private void ensureUpperDirectory(String rel) throws VuException {
        if (rel.isEmpty()) {
            return;
        }
        FileStat s = host.lstatIfAny(upperPath(rel));
        if (s != null) {
            if (!s.isDirectory()) {
                throw new VuException(Errno.ENOTDIR, rel);
            }
            return;
        }
        ensureUpperDirectory(parent(rel));
        Found below = lowerIfAny(rel);
        if (below == null || !below.stat.isDirectory()) {
            throw new VuException(Errno.ENOENT, rel);
        }
        String path = upperPath(rel);
        // The copy stays the hypervisor's to write in: a directory mode without the owner's
        // write and search bits is recorded instead (root needs neither).
        int perm = below.stat.mode() & 07777;
        int settable = host.euid() == 0 ? perm : perm | 0700;
        FileStat parentTimes = host.lstat(upperPath(parent(rel)));
        host.mkdir(path, 0700);
        host.utimens(upperPath(parent(rel)), parentTimes.atime(), parentTimes.mtime());
        VirtualAttributes a = takeOwner(path, below.stat);
        host.chmod(path, settable);
        if (settable != perm) {
            a = a.withMode(perm);
        }
        copyAttributes(below.hostPath, path);
        host.utimens(path, below.stat.atime(), below.stat.mtime());
        if (!a.isEmpty()) {
            shadow.setAttributes(rel, shadow.attributes(rel).orElse(a)); // what was recorded before stays
        }
        inodes.copiedUp(host.lstat(path).ino(), below.stat.ino());
    }

    /**
     * Gives a new upper file B's owner; what the host refuses (the hypervisor is no root) is
     * returned as attributes to record.
     */
    private VirtualAttributes takeOwner(String path, FileStat of) throws VuException {
        if (of.uid() == host.euid() && of.gid() == host.egid()) {
            return VirtualAttributes.NONE;
        }
        try {
            host.chown(path, of.uid(), of.gid());
            return VirtualAttributes.NONE;
        } catch (VuException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            return VirtualAttributes.NONE.withOwner(of.uid(), of.gid());
        }
    }

    /**
     * Copies the non-directory {@code f} of B up into A, atomically (built under a temporary
     * name, then renamed into place), and moves the files open on it to the copy.
     *
     * @param withData false when the copy is to be truncated to nothing anyway
     * @return the copy's host path
     */
    private String copyUp(Found f, boolean withData) throws VuException {
        ensureUpperDirectory(parent(f.rel));
        String target = upperPath(f.rel);
        String temporary = shadow.copyUpTemporary();
        FileStat s = f.stat;
        VirtualAttributes recorded;
        try {
            VirtualAttributes device = VirtualAttributes.NONE;
            switch (s.type()) {
                case FileStat.S_IFREG -> copyRegular(f.hostPath, temporary, withData);
                case FileStat.S_IFLNK -> host.symlink(host.readlink(f.hostPath), temporary);
                case FileStat.S_IFCHR, FileStat.S_IFBLK -> device = makeDevice(temporary, s.mode(), s.rdev());
                default -> host.mknod(temporary, s.type() | 0600, 0);
            }
            VirtualAttributes owner = takeOwner(temporary, s);
            recorded = new VirtualAttributes(null, owner.uid(), owner.gid(), device.type(), device.rdev(), false);
            if (!s.isSymlink()) {
                host.chmod(temporary, s.mode() & 07777);
            }
            copyAttributes(f.hostPath, temporary);
            host.utimens(temporary, s.atime(), s.mtime());
            // Moving the copy in changes its directory's times, which the view must not see.
            FileStat directory = host.lstat(upperPath(parent(f.rel)));
            host.rename(temporary, target, 0);
            host.utimens(upperPath(parent(f.rel)), directory.atime(), directory.mtime());
        } catch (VuException e) {
            if (host.lstatIfAny(temporary) != null) {
                host.unlink(temporary, false);
            }
            throw e;
        }
        if (!recorded.isEmpty()) {
            shadow.setAttributes(f.rel, shadow.attributes(f.rel).orElse(recorded)); // what was recorded before stays
        }
        if (s.nlink() == 1) {
            // (A copy of one of several hard links is another file than the others: its own number.)
            inodes.copiedUp(host.lstat(target).ino(), s.ino());
        }
        log.debug("vufs: copied up {}", f.rel);
        for (OpenInView o : open.getOrDefault(f.rel, List.of())) {
            if (o instanceof LayerFile file && file.onLower()) {
                file.moveTo(host.open(target, file.accessMode() | LayerCalls.O_NOFOLLOW | LayerCalls.O_NONBLOCK, 0));
            }
        }
        return target;
    }

    /** Copies the extended attributes the host lets the hypervisor read and write (user.*; as root, trusted.* too). */
    private void copyAttributes(String from, String to) throws VuException {
        List<String> names;
        try {
            names = host.listxattr(from);
        } catch (VuException e) {
            return; // a file system without them
        }
        for (String name : names) {
            try {
                host.setxattr(to, name, host.getxattr(from, name), 0);
            } catch (VuException e) {
                log.debug("vufs: attribute {} of {} not copied: {}", name, from, e.getMessage());
            }
        }
    }

    private void copyRegular(String from, String to, boolean withData) throws VuException {
        int source = host.open(from, LayerCalls.O_RDONLY | LayerCalls.O_NOFOLLOW, 0);
        try {
            int copy = host.open(to, LayerCalls.O_WRONLY | LayerCalls.O_CREAT | LayerCalls.O_EXCL | LayerCalls.O_NOFOLLOW, 0600);
            try {
                if (withData) {
                    host.copyData(source, copy);
                }
            } finally {
                host.close(copy);
            }
        } finally {
            host.close(source);
        }
    }

    /** A device node; where the host refuses one (no root), an empty file whose attributes say what it is. */
    private VirtualAttributes makeDevice(String path, int fullMode, long rdev) throws VuException {
        try {
            host.mknod(path, fullMode, rdev);
            return VirtualAttributes.NONE;
        } catch (VuException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            host.close(host.open(path, LayerCalls.O_WRONLY | LayerCalls.O_CREAT | LayerCalls.O_EXCL | LayerCalls.O_NOFOLLOW, 0600));
            return VirtualAttributes.NONE.withDevice(fullMode & FileStat.S_IFMT, rdev);
        }
    }

    // Changes.

    /** What merge answers to a change of a name A has. */
    private static VuException upperIsReadOnly() {
        return new VuException(Errno.EROFS, "the upper layer of a merge is read-only");
    }

    private static boolean refusal(VuException e) {
        return e.errno() == Errno.EACCES || e.errno() == Errno.EPERM || e.errno() == Errno.EROFS;
    }

    /**
     * Makes a change to the existing file {@code rel} where the mode says: on B (merge), on
     * A after a copy-up (cow), on B unless the host refuses it there (mincow).
     *
     * @return the host path changed
     */
    private String change(String rel, boolean copyData, HostChange change) throws VuException {
        Found f = find(rel);
        if (f.upper) {
            if (mode == MountOptions.Mode.MERGE) {
                throw upperIsReadOnly();
            }
            change.on(f.hostPath);
            return f.hostPath;
        }
        if (mode != MountOptions.Mode.COW) {
            try {
                change.on(f.hostPath);
                lowerChanged();
                return f.hostPath;
            } catch (VuException e) {
                if (mode == MountOptions.Mode.MERGE || !refusal(e)) {
                    throw e;
                }
            }
        }
        String copy;
        if (f.stat.isDirectory()) {
            ensureUpperDirectory(rel);
            copy = upperPath(rel);
        } else {
            copy = copyUp(f, copyData);
        }
        change.on(copy);
        return copy;
    }

    /**
     * Makes a new entry {@code rel} (missing from the view, its parent a directory of the view)
     * where the mode says.
     *
     * @return true when it was made in A over a whiteout
     */
    private boolean create(String rel, HostChange make) throws VuException {
        boolean whitedOut = shadow.whitedOut(rel);
        if (mode == MountOptions.Mode.MERGE) {
            if (!lowerMayTake(rel)) {
                throw upperIsReadOnly();
            }
            make.on(lowerPath(rel));
            lowerChanged();
            return false;
        }
        if (mode == MountOptions.Mode.MINCOW && lowerMayTake(rel)) {
            try {
                make.on(lowerPath(rel));
                lowerChanged();
                return false;
            } catch (VuException e) {
                if (!refusal(e) && e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
        }
        ensureUpperDirectory(parent(rel));
        make.on(upperPath(rel));
        shadow.dewhiteout(rel);
        return whitedOut;
    }

    /** True when a new name {@code rel} could be made in B and be seen: the view shows B's directory, and no whiteout hides the name. */
    private boolean lowerMayTake(String rel) throws VuException {
        return !shadow.whitedOut(rel) && showsLowerDirectory(parent(rel));
    }

    /** The owner a new file gets: the caller's; what the host refuses is recorded, on A. */
    private void own(String rel, String path, Credentials owner) throws VuException {
        if (owner.uid() == host.euid() && owner.gid() == host.egid()) {
            return;
        }
        try {
            host.chown(path, owner.uid(), owner.gid());
        } catch (VuException e) {
            if (e.errno() != Errno.EPERM || !onUpper(path)) {
                throw e;
            }
            shadow.setAttributes(rel, shadow.attributes(rel).withOwner(owner.uid(), owner.gid()));
        }
    }

    /**
     * The file the last {@link #create} made, still open: the open that follows it gets this
     * fd, as the kernel's creating open gives a writable fd whatever mode it gives the file.
     */
    private record Created(String rel, int fd, String hostPath) {
    }

    private Created created;

    @Override
    public void create(String rel, int perm, Credentials owner) throws VuException {
        dropCreated();
        create(rel, p -> created = new Created(rel,
                host.open(p, LayerCalls.O_RDWR | LayerCalls.O_CREAT | LayerCalls.O_EXCL | LayerCalls.O_NOFOLLOW, 0600), p));
        own(rel, created.hostPath, owner);
        host.chmod(created.hostPath, perm); // the mode exactly: the hypervisor's own umask must not apply
    }

    private void dropCreated() {
        if (created != null) {
            host.close(created.fd);
            created = null;
        }
    }

    @Override
    public void mkdir(String rel, int perm, Credentials owner) throws VuException {
        String[] made = new String[1];
        boolean overWhiteout = create(rel, p -> {
            host.mkdir(p, 0700);
            made[0] = p;
        });
        if (overWhiteout && lowerDirectoryIsPlain(rel)) {
            makeOpaque(rel);
        }
        own(rel, made[0], owner);
        host.chmod(made[0], perm);
    }

    /**
     * A directory made (or moved) where one of B was removed starts as A has it: B's entries
     * stay hidden, at every depth. Each is whited out, or, where A has a directory of that name
     * over one of B's, made opaque in turn, so that VUOS, which knows no opaque directories,
     * shows the same.
     */
    private void makeOpaque(String rel) throws VuException {
        List<String> names = new ArrayList<>();
        for (DirEntry e : host.list(lowerPath(rel))) {
            String c = child(rel, e.name());
            FileStat inA = host.lstatIfAny(upperPath(c));
            if (inA == null) {
                names.add(e.name());
            } else if (inA.isDirectory() && !shadow.attributes(c).opaque() && host.isPlainDirectory(lowerPath(c))) {
                makeOpaque(c);
            }
        }
        shadow.hideAll(rel, names);
        shadow.setAttributes(rel, shadow.attributes(rel).withOpaque(true));
    }

    /** True when the directory {@code rel} of the view shows B's directory there: overlayfs's "merge" or lower directory. */
    private boolean showsLowerDirectory(String rel) throws VuException {
        // (A whiteout of a directory A has: VUOS's own way to say opaque, left as it is in merge.)
        return !shadow.attributes(rel).opaque() && !shadow.whitedOut(rel) && lowerDirectoryIsPlain(rel);
    }

    @Override
    public void mknod(String rel, int fullMode, long rdev, Credentials owner) throws VuException {
        String[] made = new String[1];
        VirtualAttributes[] device = {VirtualAttributes.NONE};
        create(rel, p -> {
            int type = fullMode & FileStat.S_IFMT;
            if (type == FileStat.S_IFCHR || type == FileStat.S_IFBLK) {
                if (onUpper(p)) {
                    device[0] = makeDevice(p, fullMode, rdev);
                } else {
                    host.mknod(p, fullMode, rdev);
                }
            } else {
                host.mknod(p, type | 0600, 0);
            }
            made[0] = p;
        });
        if (!device[0].isEmpty()) {
            shadow.setAttributes(rel, device[0]);
        }
        own(rel, made[0], owner);
        host.chmod(made[0], fullMode & 07777);
    }

    @Override
    public void symlink(String target, String rel, Credentials owner) throws VuException {
        String[] made = new String[1];
        create(rel, p -> {
            host.symlink(target, p);
            made[0] = p;
        });
        own(rel, made[0], owner);
    }

    @Override
    public void link(String oldRel, String newRel) throws VuException {
        Found from = find(oldRel);
        if (mode == MountOptions.Mode.MERGE) {
            if (from.upper || !lowerMayTake(newRel)) {
                throw upperIsReadOnly();
            }
            host.link(from.hostPath, lowerPath(newRel));
            lowerChanged();
            return;
        }
        if (mode == MountOptions.Mode.MINCOW && !from.upper && lowerMayTake(newRel)) {
            try {
                host.link(from.hostPath, lowerPath(newRel));
                lowerChanged();
                return;
            } catch (VuException e) {
                if (!refusal(e)) {
                    throw e;
                }
            }
        }
        String source = from.upper ? from.hostPath : copyUp(from, true);
        ensureUpperDirectory(parent(newRel));
        host.link(source, upperPath(newRel));
        shadow.dewhiteout(newRel);
        shadow.copyAttributes(oldRel, newRel);
    }

    @Override
    public void unlink(String rel) throws VuException {
        remove(rel, false);
    }

    @Override
    public void rmdir(String rel) throws VuException {
        if (!list(rel).isEmpty()) {
            throw new VuException(Errno.ENOTEMPTY, rel);
        }
        remove(rel, true);
    }

    private void remove(String rel, boolean directory) throws VuException {
        Found f = find(rel);
        if (f.upper) {
            if (mode == MountOptions.Mode.MERGE) {
                throw upperIsReadOnly();
            }
            host.unlink(f.hostPath, directory);
            if (directory || f.stat.nlink() == 1) {
                inodes.gone(f.stat.ino()); // the host may give the number to a new file
            }
        } else if (mode != MountOptions.Mode.COW) {
            try {
                host.unlink(f.hostPath, directory);
                lowerChanged();
                shadow.forget(rel);
                forgetOpen(rel);
                return;
            } catch (VuException e) {
                // A lower directory whose entries are all whited out is empty only in the view.
                boolean hidden = directory && e.errno() == Errno.ENOTEMPTY;
                if (mode == MountOptions.Mode.MERGE || !(refusal(e) || hidden)) {
                    throw e;
                }
            }
        }
        if (mode != MountOptions.Mode.MERGE && lowerHas(rel)) {
            shadow.whiteout(rel);
        } else {
            shadow.forget(rel);
        }
        forgetOpen(rel);
    }

    @Override
    public void rename(String oldRel, String newRel, int flags) throws VuException {
        Found from = find(oldRel);
        Found to = findIfAny(newRel);
        boolean exchange = (flags & LayerCalls.RENAME_EXCHANGE) != 0;
        checkRename(from, to, oldRel, newRel, flags);
        if (oldRel.equals(newRel)) {
            return;
        }
        if (mode == MountOptions.Mode.MERGE) {
            if (from.upper || to != null && to.upper || !lowerMayTake(newRel)) {
                throw upperIsReadOnly();
            }
            host.rename(from.hostPath, lowerPath(newRel), flags);
            lowerChanged();
            renamed(oldRel, newRel, exchange);
            return;
        }
        if (mode == MountOptions.Mode.MINCOW && !from.upper && (to == null || !to.upper) && lowerMayTake(newRel)) {
            try {
                host.rename(from.hostPath, lowerPath(newRel), flags);
                lowerChanged();
                renamed(oldRel, newRel, exchange);
                return;
            } catch (VuException e) {
                if (!refusal(e) && e.errno() != Errno.EXDEV) {
                    throw e;
                }
            }
        }
        if (from.stat.isDirectory() && showsLowerDirectory(oldRel)
                || exchange && to.stat.isDirectory() && showsLowerDirectory(newRel)) {
            throw new VuException(Errno.EXDEV, "a directory of the lower layer is not renamed");
        }
        String source = from.upper ? from.hostPath : copyUp(from, true);
        if (exchange && !to.upper) {
            copyUp(to, true);
        }
        ensureUpperDirectory(parent(newRel));
        host.rename(source, upperPath(newRel), flags & LayerCalls.RENAME_EXCHANGE);
        if (!exchange && to != null && to.upper && (to.stat.isDirectory() || to.stat.nlink() == 1)) {
            inodes.gone(to.stat.ino()); // replaced: the host may give its number to a new file
        }
        boolean oldStaysHidden = !exchange && lowerHas(oldRel);
        renamed(oldRel, newRel, exchange);
        if (oldStaysHidden) {
            shadow.whiteout(oldRel);
        }
        // A directory moved where B has one (hidden, or empty in the view) does not show B's: as overlayfs makes it opaque.
        for (String moved : exchange ? List.of(oldRel, newRel) : List.of(newRel)) {
            if (host.lstat(upperPath(moved)).isDirectory() && lowerDirectoryIsPlain(moved)) {
                makeOpaque(moved);
            }
        }
    }

    /** The kernel's checks of rename that the hypervisor leaves to the file system. */
    private void checkRename(Found from, Found to, String oldRel, String newRel, int flags) throws VuException {
        if ((flags & LayerCalls.RENAME_EXCHANGE) != 0) {
            if ((flags & LayerCalls.RENAME_NOREPLACE) != 0) {
                throw new VuException(Errno.EINVAL, "RENAME_EXCHANGE with RENAME_NOREPLACE");
            }
            if (to == null) {
                throw new VuException(Errno.ENOENT, newRel);
            }
        } else if (to != null && (flags & LayerCalls.RENAME_NOREPLACE) != 0) {
            throw new VuException(Errno.EEXIST, newRel);
        }
        if (oldRel.equals(newRel)) {
            return;
        }
        if (from.stat.isDirectory() && isWithin(newRel, oldRel)
                || to != null && to.stat.isDirectory() && (flags & LayerCalls.RENAME_EXCHANGE) != 0 && isWithin(oldRel, newRel)) {
            throw new VuException(Errno.EINVAL, "a directory into itself");
        }
        if (to == null || (flags & LayerCalls.RENAME_EXCHANGE) != 0) {
            return;
        }
        if (from.stat.isDirectory() && !to.stat.isDirectory()) {
            throw new VuException(Errno.ENOTDIR, newRel);
        }
        if (!from.stat.isDirectory() && to.stat.isDirectory()) {
            throw new VuException(Errno.EISDIR, newRel);
        }
        if (to.stat.isDirectory() && !list(newRel).isEmpty()) {
            throw new VuException(Errno.ENOTEMPTY, newRel);
        }
    }

    /** Moves the shadow's records and the open files' paths after a rename in the view. */
    private void renamed(String oldRel, String newRel, boolean exchange) throws VuException {
        if (exchange) {
            shadow.exchange(oldRel, newRel);
        } else {
            shadow.move(oldRel, newRel);
        }
        Map<String, List<OpenInView>> moved = new HashMap<>();
        for (var it = open.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            String to = swapPrefix(e.getKey(), oldRel, newRel, exchange);
            if (to != null) {
                it.remove();
                moved.put(to, e.getValue());
            }
        }
        moved.forEach((rel, files) -> {
            files.forEach(o -> o.renamed(rel));
            open.computeIfAbsent(rel, k -> new ArrayList<>()).addAll(files);
        });
    }

    private static String swapPrefix(String rel, String a, String b, boolean both) {
        if (isWithin(rel, a) && !a.isEmpty()) {
            return b + rel.substring(a.length());
        }
        if (both && isWithin(rel, b) && !b.isEmpty()) {
            return a + rel.substring(b.length());
        }
        return null;
    }

    /** The name is gone: files still open on it keep their data but no longer its virtual attributes. */
    private void forgetOpen(String rel) {
        List<OpenInView> files = open.remove(rel);
        if (files != null) {
            files.forEach(o -> o.renamed(null));
        }
    }

    @Override
    public void chmod(String rel, int perm) throws VuException {
        Found f = find(rel);
        if (f.stat.isSymlink()) {
            throw new VuException(Errno.EOPNOTSUPP, "a symlink has no mode of its own");
        }
        if (options.noChCopy() && !f.upper && mode != MountOptions.Mode.MERGE) {
            shadow.setAttributes(rel, shadow.attributes(rel).withMode(perm));
            return;
        }
        // A directory of A stays the hypervisor's to write in (a copy-up into it must work): a
        // mode without the owner's write and search bits is recorded instead (root needs neither).
        int settable = f.stat.isDirectory() && host.euid() != 0 ? perm | 0700 : perm;
        String changed = change(rel, true, p -> {
            try {
                host.chmod(p, onUpper(p) ? settable : perm);
            } catch (VuException e) {
                if (e.errno() != Errno.EPERM || !onUpper(p)) {
                    throw e;
                }
            }
        });
        if (onUpper(changed)) {
            int real = host.lstat(changed).mode() & 07777;
            shadow.setAttributes(rel, shadow.attributes(rel).withMode(real == perm ? null : perm));
        }
    }

    @Override
    public void chown(String rel, int uid, int gid) throws VuException {
        Found f = find(rel);
        if (options.noChCopy() && !f.upper && mode != MountOptions.Mode.MERGE) {
            VirtualAttributes a = shadow.attributes(rel);
            shadow.setAttributes(rel, a.withOwner(uid == -1 ? a.uid() : Integer.valueOf(uid), gid == -1 ? a.gid() : Integer.valueOf(gid)));
            return;
        }
        boolean[] refused = {false};
        String changed = change(rel, true, p -> {
            try {
                host.chown(p, uid, gid);
            } catch (VuException e) {
                if (e.errno() != Errno.EPERM || !onUpper(p)) {
                    throw e;
                }
                refused[0] = true;
            }
        });
        if (onUpper(changed)) {
            VirtualAttributes a = shadow.attributes(rel);
            Integer u = uid == -1 ? a.uid() : refused[0] ? Integer.valueOf(uid) : null;
            Integer g = gid == -1 ? a.gid() : refused[0] ? Integer.valueOf(gid) : null;
            shadow.setAttributes(rel, a.withOwner(u, g));
        }
    }

    @Override
    public void truncate(String rel, long length) throws VuException {
        change(rel, length > 0, p -> host.truncate(p, length));
    }

    @Override
    public void utimens(String rel, long atime, long mtime) throws VuException {
        change(rel, true, p -> host.utimens(p, atime, mtime));
    }

    /**
     * The host's answer, as the guest's own user: a file of A as it is; one of B may be
     * written where it may be read (a copy-up needs no more), except in merge, which writes B.
     */
    @Override
    public void access(String rel, int want) throws VuException {
        Found f = find(rel);
        if (f.upper && mode == MountOptions.Mode.MERGE && (want & W_OK) != 0) {
            throw upperIsReadOnly();
        }
        int asked = f.upper || mode == MountOptions.Mode.MERGE ? want : R_OK;
        if (!host.mayAccess(f.hostPath, asked)) {
            throw new VuException(Errno.EACCES, rel);
        }
    }

    @Override
    public byte[] getxattr(String rel, String name) throws VuException {
        return host.getxattr(find(rel).hostPath, name);
    }

    @Override
    public List<String> listxattr(String rel) throws VuException {
        return host.listxattr(find(rel).hostPath);
    }

    @Override
    public void setxattr(String rel, String name, byte[] value, int flags) throws VuException {
        change(rel, true, p -> host.setxattr(p, name, value, flags));
    }

    @Override
    public void removexattr(String rel, String name) throws VuException {
        change(rel, true, p -> host.removexattr(p, name));
    }

    @Override
    public StatFs statfs() throws VuException {
        return host.statfs(mode == MountOptions.Mode.MERGE ? lower : upper);
    }

    /**
     * A fifo or socket node is opened by the kernel, where all its openers meet: in cow moved up
     * into A first (no file of B is ever opened to be written, nor its times touched); a device
     * node where it is, unless it is a virtual one (an empty file of A), which is served.
     */
    @Override
    public String hostNode(String rel, int flags) throws VuException {
        Found f = find(rel);
        if (f.stat.type() == FileStat.S_IFCHR || f.stat.type() == FileStat.S_IFBLK) {
            return f.hostPath;
        }
        if (f.stat.type() != FileStat.S_IFIFO && f.stat.type() != FileStat.S_IFSOCK) {
            return null; // a virtual device node: its host file is an empty regular one
        }
        return f.upper || mode != MountOptions.Mode.COW ? f.hostPath : copyUp(f, false);
    }

    @Override
    public VirtualFile open(String rel, int flags) throws VuException {
        Created fresh = takeCreated(rel);
        OpenInView file;
        if (fresh != null) {
            file = new LayerFile(this, host, rel, fresh.fd, onUpper(fresh.hostPath), FileStat.S_IFREG, flags);
        } else {
            Found f = find(rel);
            file = f.stat.isDirectory() ? new UnionDirectory(this, rel) : openFile(f, flags);
        }
        open.computeIfAbsent(rel, k -> new ArrayList<>()).add(file);
        return file;
    }

    /** The file {@link #create} just made, if {@code rel} still names it; any other is closed. */
    private Created takeCreated(String rel) throws VuException {
        Created fresh = created;
        created = null;
        if (fresh == null) {
            return null;
        }
        FileStat there = fresh.rel.equals(rel) ? host.lstatIfAny(fresh.hostPath) : null;
        if (there == null || there.ino() != host.fstat(fresh.fd).ino()) {
            host.close(fresh.fd);
            return null;
        }
        return fresh;
    }

    private LayerFile openFile(Found f, int flags) throws VuException {
        int access = flags & O_ACCMODE;
        // A fifo or device must never hold up the hypervisor: it is opened non-blocking.
        int how = access | LayerCalls.O_NOFOLLOW | (f.stat.type() == FileStat.S_IFREG ? 0 : LayerCalls.O_NONBLOCK);
        int[] fd = {-1};
        String path = access == O_RDONLY ? f.hostPath : change(f.rel, true, p -> fd[0] = host.open(p, how, 0));
        if (fd[0] < 0) {
            fd[0] = host.open(path, how, 0);
        }
        return new LayerFile(this, host, f.rel, fd[0], onUpper(path), f.stat.type(), flags);
    }

    @Override
    public void unmount(boolean force) {
        dropCreated();
    }

    /** No guest fd holds the file any more. */
    void closed(OpenInView file) {
        String rel = file.rel();
        List<OpenInView> files = rel == null ? null : open.get(rel);
        if (files != null) {
            files.remove(file);
            if (files.isEmpty()) {
                open.remove(rel);
            }
        }
    }
}
