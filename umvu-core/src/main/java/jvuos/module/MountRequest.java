package jvuos.module;

/**
 * A {@code mount(2)} call of the guest, as a module receives it.
 *
 * @param source  the source argument as the guest gave it (a path, a URL, "none"...), never null
 * @param target  the canonical path of the mount point in the view
 * @param type    the file system type, e.g. {@code vufs} or {@code vudevramdisk}
 * @param flags   the mount flags (MS_RDONLY = 1 for a read-only mount)
 * @param options the data argument as text ("" when none), e.g. {@code cow,except=/tmp}
 * @param view    resolves paths of the guest's view as they are before this mount
 */
public record MountRequest(String source, String target, String type, long flags, String options, ViewPaths view) {
    public static final long MS_RDONLY = 1;

    public boolean readOnly() {
        return (flags & MS_RDONLY) != 0;
    }
}
