package jvuos.dispatch;

import jvuos.vfs.Mount;

/**
 * A directory of a served file system that guest fds hold as the kernel's fd on a host
 * directory ({@link jvuos.module.ServedFileSystem#hostDirectory}): the kernel lists it while
 * the host directory lists as the view; once it does not, the view's listing is served from
 * the next read at position 0 on ({@link HeldDirectoryCalls}). Shared, as the kernel's open
 * description is, by the fds that dup and fork make of it.
 */
final class HeldDirectory {
    final Mount mount;
    /** Opened with O_PATH: the fd only names the directory. */
    final boolean pathOnly;
    /** The view's entries and position once the kernel's listing is not the view's; null until then. */
    DirectoryListing listing;
    /** The count of changes ({@link ServedPathCalls#changes}) when the kernel's listing was last known to be the view's. */
    long checkedAt;

    /** {@code listsAsView}: the kernel's listing of the host directory is the view's (else it is served from the start). */
    HeldDirectory(Mount mount, boolean pathOnly, boolean listsAsView, long changes) {
        this.mount = mount;
        this.pathOnly = pathOnly;
        this.listing = listsAsView ? null : new DirectoryListing();
        this.checkedAt = changes;
    }
}
