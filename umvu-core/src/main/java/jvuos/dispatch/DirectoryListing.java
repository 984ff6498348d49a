package jvuos.dispatch;

import java.util.List;

import jvuos.errno.Errno;
import jvuos.module.DirEntry;
import jvuos.module.VuException;
import jvuos.tracer.SyscallStop;

/**
 * A served directory as getdents reads it: its entries, read at the first getdents after a
 * rewind ("." and ".." first), and the position in them, which lseek sets and telldir gives.
 */
final class DirectoryListing {
    private static final int SEEK_SET = 0;
    private static final int SEEK_CUR = 1;
    /** The most one getdents gives, whatever the guest's buffer. */
    private static final int MAX_READ = 1 << 20;

    /** Where the entries come from (the module's listing of the directory). */
    @FunctionalInterface
    interface Source {
        List<DirEntry> entries() throws VuException;
    }

    private List<DirEntry> entries;
    private long position;

    /** lseek: SEEK_SET and SEEK_CUR move among the entries; a rewind reads the directory afresh. */
    long seek(long offset, int whence) {
        if (whence != SEEK_SET && whence != SEEK_CUR || whence == SEEK_SET && offset < 0) {
            return -Errno.EINVAL;
        }
        long target = whence == SEEK_SET ? offset : position + offset;
        if (target < 0) {
            return -Errno.EINVAL;
        }
        if (target == 0) {
            entries = null;
        }
        position = target;
        return target;
    }

    /** getdents(64) into the guest's buffer: the byte count, 0 at the end, or a negative errno. */
    long read(SyscallStop stop, long address, long size, boolean sixtyFour, Source source) throws VuException {
        if (entries == null || position == 0) {
            entries = source.entries();
        }
        int first = (int) Math.min(position, entries.size());
        Structs.Dirents records = Structs.dirents(entries, first, (int) Math.min(Math.max(size, 0), MAX_READ),
                sixtyFour);
        if (records == null) {
            return -Errno.EINVAL; // not even one record fits
        }
        long r = ServedPathCalls.put(stop, address, records.bytes());
        if (r < 0) {
            return r;
        }
        position = records.next();
        return records.bytes().length;
    }
}
