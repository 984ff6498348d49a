package jvuos.vfs;

/**
 * Where a guest's path leads in the view.
 *
 * @param errno        non-zero when resolution itself fails as the kernel's would (ENOENT,
 *                     ENOTDIR, ELOOP...): the call gets this errno
 * @param path         the canonical path in the view (the last component may not exist)
 * @param mount        the mount it belongs to, null for a host file
 * @param hostPath     the host file the kernel should be given ("/" or "/." appended when the
 *                     guest's path required a directory); null for a file a module serves
 * @param touchesMount some step of the resolution was inside a mount: the kernel, given the
 *                     guest's own path, could resolve it differently
 * @param plain        the path is relative, has no "..", met no symlink and stays in the mount of
 *                     its starting directory: the kernel resolves it alike from that
 *                     directory's host file
 * @param viaSymlink   a symlink was followed on the way
 */
public record Resolution(int errno, String path, Mount mount, String hostPath, boolean touchesMount, boolean plain,
        boolean viaSymlink) {
    static Resolution failed(int errno, boolean touchesMount) {
        return new Resolution(errno, null, null, null, touchesMount, false, false);
    }

    public boolean failed() {
        return errno != 0;
    }

    /** True for a file a module serves itself: no host file holds it. */
    public boolean served() {
        return mount != null && hostPath == null;
    }

    /** The host file itself: {@link #hostPath} without the "/" or "/." that marks a directory; null when served. */
    public String canonicalHostPath() {
        String h = hostPath;
        if (h == null) {
            return null;
        }
        if (h.length() > 2 && h.endsWith("/.")) {
            h = h.substring(0, h.length() - 2);
        }
        return h.length() > 1 && h.endsWith("/") ? h.substring(0, h.length() - 1) : h;
    }
}
