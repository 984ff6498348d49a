package jvuos.module;

/**
 * One mounted file system. Paths given to it are relative to its mount point: "" for the
 * mount root, otherwise components joined by '/', canonical (no ".", "..", symlinks or
 * empty components). Path strings carry raw bytes, one char per byte (ISO-8859-1).
 *
 * <p>A file system of this kind shows host files: the hypervisor resolves each path below
 * the mount point to the host file returned by {@link #hostPath} and lets the kernel run the
 * guest's call on it, so every file operation (and mmap, exec, poll) keeps the kernel's
 * exact semantics at the cost of one argument rewrite. A file system that serves its files
 * itself implements {@link ServedFileSystem}.
 */
public interface MountedFileSystem {
    /**
     * The host file that holds the file at {@code relativePath} (which may not exist yet).
     *
     * @throws VuException with the errno the guest's call gets instead (e.g. EROFS, EACCES)
     */
    String hostPath(String relativePath) throws VuException;

    /**
     * False for a path below the mount point that this file system leaves to what lies below
     * the mount (an older mount, or the host): vufs's {@code except=}. Asked for every path the
     * view resolves through the mount, so it must be cheap.
     */
    default boolean claims(String relativePath) {
        return true;
    }

    /**
     * For a file system that serves names beside its mount point (a disk's partitions:
     * {@code /dev/hda1} for a disk mounted on {@code /dev/hda}): the path relative to the mount
     * point that serves the name made of the mount point's own name followed by {@code suffix},
     * in the mount point's directory ({@code "1"} for {@code /dev/hda1}), or null when there is
     * none: only for names that exist, since the host's own names there are hidden by those it
     * answers for. Asked for every name of that directory that starts with the mount point's
     * name, so it must be cheap. The path it gives may be one no name below the mount point reaches
     * (below a mount root that is no directory, nothing is).
     */
    default String sibling(String suffix) {
        return null;
    }

    /**
     * Called at {@code umount2}; {@code force} is true for MNT_FORCE or MNT_DETACH.
     *
     * @throws VuException EBUSY to refuse
     */
    default void unmount(boolean force) throws VuException {
    }
}
