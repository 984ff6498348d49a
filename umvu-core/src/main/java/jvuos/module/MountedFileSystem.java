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
     * Called at {@code umount2}; {@code force} is true for MNT_FORCE or MNT_DETACH.
     *
     * @throws VuException EBUSY to refuse
     */
    default void unmount(boolean force) throws VuException {
    }
}
