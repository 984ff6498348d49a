package jvuos.module;

/**
 * Path resolution in the guest's view for a module's own file accesses. It sees only the
 * mounts older than the module's own mount, so a file system can sit on a path (or, later, a
 * device) that another module serves, without recursion.
 */
public interface ViewPaths {
    /**
     * The host path of the existing file at {@code path} in the view (relative paths start at
     * the calling guest's working directory), every symlink resolved.
     *
     * @throws VuException ENOENT, ENOTDIR, ELOOP, EACCES... as resolving the path in the view
     *                     gives; EOPNOTSUPP for a file another module serves (no host file holds it)
     */
    String hostPath(String path) throws VuException;

    /**
     * Opens, for the module's own use, the existing file at {@code path} that another module
     * serves (a disk image on a ramdisk): that module's open file, which the caller closes.
     * {@code flags} are open(2)'s access mode.
     *
     * @throws VuException as {@link #hostPath} does; EOPNOTSUPP for a file of the host (use
     *                     {@link #hostPath}); EROFS to write one on a read-only mount
     */
    default VirtualFile openServed(String path, int flags) throws VuException {
        throw new VuException(jvuos.errno.Errno.EOPNOTSUPP, "no module serves files in this view");
    }
}
