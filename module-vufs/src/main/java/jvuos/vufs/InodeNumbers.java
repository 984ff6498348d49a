package jvuos.vufs;

import java.util.HashMap;
import java.util.Map;

/**
 * The inode numbers a union shows: a lower file's own, kept by its copy-up as overlayfs keeps
 * it (for a directory, or a file with one link), and an upper-only file's own, marked with a
 * high bit when the layers lie on different file systems, whose numbers could then coincide.
 */
final class InodeNumbers {
    private static final long UPPER_MARK = 1L << 62;
    private final boolean oneFileSystem;
    /** Upper inode → the lower inode it was copied from. */
    private final Map<Long, Long> origins = new HashMap<>();

    InodeNumbers(boolean oneFileSystem) {
        this.oneFileSystem = oneFileSystem;
    }

    long view(long ino, boolean upper) {
        if (!upper) {
            return ino;
        }
        Long origin = origins.get(ino);
        return origin != null ? origin : oneFileSystem ? ino : ino | UPPER_MARK;
    }

    void copiedUp(long upperIno, long lowerIno) {
        origins.put(upperIno, lowerIno);
    }

    /** The upper file is gone: its number is free again on the host. */
    void gone(long upperIno) {
        origins.remove(upperIno);
    }
}
