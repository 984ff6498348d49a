package jvuos.dispatch;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.module.VuException;
import jvuos.vfs.ModuleCalls;

/**
 * mmap of served files. The kernel maps only memory it has, so the pages of a served file
 * are copied into a memory file (memfd) that the guest maps instead. A private mapping gets a
 * copy of its own. A shared one maps the description's shadow, whose changed pages (a
 * checksum per page tells) go back to the module at msync, munmap, the end or exec of the
 * mapping process, fsync, and before the description is read or written through its fd;
 * writes through the fd reach the shadow too. (Another open of the same file sees mapped
 * writes once they have gone back, and its own writes are not seen in the mapping.) The
 * guest opens the shadow read-only unless the description is writable, so mprotect cannot
 * make a read-only open's mapping writable.
 */
final class ServedMappings {
    static final int SYS_MMAP = 9;
    static final int SYS_MUNMAP = 11;
    static final int SYS_MSYNC = 26;
    private static final long PAGE = 4096;
    private static final int COPY_CHUNK = 1 << 20;

    /** The memory file behind a description's shared mappings. */
    static final class Shadow {
        final int memfd;
        /** The file's ranges copied in so far, [start, end). */
        final List<long[]> filled = new ArrayList<>();
        final List<Mapping> mappings = new ArrayList<>();
        /** The checksum of each page as the module has it: a page that differs was written. */
        final Map<Long, Long> pageSums = new HashMap<>();
        /** mmap calls under way that will map it: it must stay until they are done. */
        int pending;

        Shadow(int memfd) {
            this.memfd = memfd;
        }
    }

    /** Where process {@code tgid} maps the file range [offset, offset + length) of a shadow. */
    record Mapping(int tgid, long address, long length, long offset) {
        boolean overlaps(int pid, long start, long size) {
            return tgid == pid && address < start + size && start < address + length;
        }
    }

    private final HostFiles host;
    private final Set<OpenDescription> shadowed = new LinkedHashSet<>();
    /** The checksum of a page of zeros: what a page copied in past the end of its file held. */
    private final long zeroPageSum;

    ServedMappings(HostFiles host) {
        this.host = host;
        CRC32C crc = new CRC32C();
        crc.update(new byte[(int) PAGE]);
        this.zeroPageSum = crc.getValue();
    }

    /**
     * The memory file the guest maps for mmap(length, offset) of {@code d}: the shadow for a
     * shared mapping, a fresh copy for a private one (which the caller closes once mapped).
     */
    int memoryFor(OpenDescription d, long length, long offset, boolean shared) throws VuException {
        if (shared && d.shadow != null) {
            fill(d, d.shadow, offset, length);
            d.shadow.pending++;
            return d.shadow.memfd;
        }
        int memfd = host.memoryFile("served-map", new byte[0]);
        if (memfd < 0) {
            throw new VuException(-memfd, "no memory file");
        }
        Shadow shadow = new Shadow(memfd);
        try {
            fill(d, shadow, offset, length);
        } catch (VuException e) {
            host.close(memfd);
            throw e;
        }
        if (shared) {
            d.shadow = shadow;
            shadow.pending++;
            shadowed.add(d);
        }
        return memfd;
    }

    /** Copies the file's pages of [offset, offset + length) not yet in the shadow into it. */
    private void fill(OpenDescription d, Shadow shadow, long offset, long length) throws VuException {
        long end = offset + length;
        long size = ModuleCalls.guarded(d.file::size, d.mount.module());
        long needed = Math.max(end, size);
        if (host.truncate(shadow.memfd, (needed + PAGE - 1) / PAGE * PAGE) < 0) {
            throw new VuException(Errno.ENOMEM, "memory file too large");
        }
        byte[] chunk = new byte[COPY_CHUNK];
        for (long at = offset; at < Math.min(end, size);) {
            long[] covering = covering(shadow, at);
            if (covering != null) {
                at = covering[1];
                continue;
            }
            int n = (int) Math.min(COPY_CHUNK, Math.min(end, size) - at);
            long from = at;
            int got = ModuleCalls.guarded(() -> d.file.read(ByteBuffer.wrap(chunk, 0, n), from), d.mount.module());
            if (got <= 0) {
                break;
            }
            host.pwrite(shadow.memfd, chunk, got, at);
            shadow.filled.add(new long[] {at, at + got});
            remember(shadow, at, got);
            at += got;
        }
        shadow.filled.add(new long[] {offset, end}); // past the end: zeros, as the kernel maps them
    }

    private static long[] covering(Shadow shadow, long at) {
        for (long[] r : shadow.filled) {
            if (r[0] <= at && at < r[1]) {
                return r;
            }
        }
        return null;
    }

    /** Records the checksums of the shadow's pages in [at, at + length), as they are now the module's. */
    private void remember(Shadow shadow, long at, long length) {
        byte[] page = new byte[(int) PAGE];
        for (long p = at / PAGE; p * PAGE < at + length; p++) {
            shadow.pageSums.put(p, sum(shadow, p, page));
        }
    }

    private long sum(Shadow shadow, long pageIndex, byte[] page) {
        long got = host.pread(shadow.memfd, page, page.length, pageIndex * PAGE);
        CRC32C crc = new CRC32C();
        crc.update(page, 0, (int) Math.max(got, 0));
        return crc.getValue();
    }

    /** The guest mapped {@code d}'s shadow at {@code address}: the mmap that was under way is done. */
    void mapped(OpenDescription d, int tgid, long address, long length, long offset) {
        d.shadow.mappings.add(new Mapping(tgid, address, (length + PAGE - 1) / PAGE * PAGE, offset));
        d.shadow.pending--;
    }

    /** An mmap of {@code d}'s shadow that was under way failed. */
    void notMapped(OpenDescription d) {
        if (d.shadow != null) {
            d.shadow.pending--;
        }
    }

    /**
     * Writes the pages of a shadow that the guest changed back to the module (within the
     * file: a mapping does not grow it). A read-only description's shadow cannot change.
     */
    void flush(OpenDescription d) throws VuException {
        Shadow shadow = d.shadow;
        if (shadow == null || !d.writable()) {
            return;
        }
        long size = ModuleCalls.guarded(d.file::size, d.mount.module());
        byte[] page = new byte[(int) PAGE];
        // The pages of the mapped ranges within the file as it is now (it may have grown since
        // they were copied in: a page copied past its end held zeros).
        java.util.Set<Long> pages = new java.util.TreeSet<>();
        for (long[] r : shadow.filled) {
            for (long p = r[0] / PAGE; p * PAGE < Math.min(r[1], size); p++) {
                pages.add(p);
            }
        }
        for (long p : pages) {
            long at = p * PAGE;
            long now = sum(shadow, p, page);
            if (now == shadow.pageSums.getOrDefault(p, zeroPageSum)) {
                continue;
            }
            int n = (int) Math.min(PAGE, size - at);
            ModuleCalls.guarded(() -> d.file.write(ByteBuffer.wrap(page, 0, n), at), d.mount.module());
            shadow.pageSums.put(p, now);
        }
    }

    /** A write through the fd: the shadow's pages show it too. */
    void written(OpenDescription d, byte[] data, int length, long offset) {
        if (d.shadow != null && length > 0) {
            host.pwrite(d.shadow.memfd, data, length, offset);
            remember(d.shadow, offset, length);
        }
    }

    /** The same for the bytes of {@code data} (from 0 to its limit). */
    void written(OpenDescription d, ByteBuffer data, long offset) {
        if (d.shadow != null && data.limit() > 0) {
            byte[] bytes = new byte[data.limit()];
            data.get(0, bytes);
            written(d, bytes, bytes.length, offset);
        }
    }

    /** True when process {@code tgid} maps a shadow somewhere in [address, address + length). */
    boolean overlaps(int tgid, long address, long length) {
        for (OpenDescription d : shadowed) {
            for (Mapping m : d.shadow.mappings) {
                if (m.overlaps(tgid, address, length)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** msync or munmap of [address, address + length) by process {@code tgid}: the shadows mapped there go back. */
    void flush(int tgid, long address, long length) throws VuException {
        for (OpenDescription d : shadowed) {
            for (Mapping m : d.shadow.mappings) {
                if (m.overlaps(tgid, address, length)) {
                    flush(d);
                    break;
                }
            }
        }
    }

    /** munmap: mappings wholly within the range are gone (one partly unmapped stays counted). */
    void unmapped(int tgid, long address, long length) {
        for (OpenDescription d : shadowed) {
            d.shadow.mappings.removeIf(m -> m.tgid() == tgid && m.address() >= address
                    && m.address() + m.length() <= address + length);
        }
    }

    /** A process ended or exec'd: its mappings go back, then are gone. */
    void processGone(int tgid) {
        for (OpenDescription d : shadowed) {
            if (d.shadow.mappings.removeIf(m -> m.tgid() == tgid)) {
                try {
                    flush(d);
                } catch (VuException e) {
                    // nowhere to report it: the process is gone
                }
            }
        }
    }

    /** A child process has its parent's shared mappings. */
    void forked(int parentTgid, int childTgid) {
        for (OpenDescription d : shadowed) {
            List<Mapping> inherited = new ArrayList<>();
            for (Mapping m : d.shadow.mappings) {
                if (m.tgid() == parentTgid) {
                    inherited.add(new Mapping(childTgid, m.address(), m.length(), m.offset()));
                }
            }
            d.shadow.mappings.addAll(inherited);
        }
    }

    /** True while some process maps the description, or an mmap of it is under way: it stays open for them. */
    static boolean mapped(OpenDescription d) {
        return d.shadow != null && (!d.shadow.mappings.isEmpty() || d.shadow.pending > 0);
    }

    /** Drops the shadows no process maps any more. */
    void dropUnmapped() {
        for (Iterator<OpenDescription> it = shadowed.iterator(); it.hasNext();) {
            OpenDescription d = it.next();
            if (d.shadow.mappings.isEmpty() && d.shadow.pending == 0) {
                try {
                    flush(d);
                } catch (VuException e) {
                    // the module refused the pages back: they are lost, as on a failed writeback
                }
                host.close(d.shadow.memfd);
                d.shadow = null;
                it.remove();
            }
        }
    }
}
