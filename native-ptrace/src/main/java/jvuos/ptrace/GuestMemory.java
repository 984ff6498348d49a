package jvuos.ptrace;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.kenai.jffi.MemoryIO;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import jvuos.errno.Errno;

/**
 * Reads and writes a tracee's memory with process_vm_readv/writev: one syscall per transfer,
 * no ptrace stop needed. An instance reuses its buffers, so it belongs to one thread.
 */
public final class GuestMemory {
    /** Longest string read: PATH_MAX, the limit the kernel puts on a path argument. */
    public static final int PATH_MAX = 4096;
    private static final int CHUNK = 256;
    private static final int BULK = 1 << 20;

    private final Pointer local = Memory.allocateDirect(Native.runtime(), PATH_MAX);
    /** Two struct iovec: the local one at 0, the remote one at 16. */
    private final Pointer iovecs = Memory.allocateDirect(Native.runtime(), 32);
    private final long[] iovecWords = new long[4];
    private int lastErrno;
    /** The bytes of the last C string read, as Java sees them. */
    private final byte[] text = new byte[PATH_MAX];
    /** The buffer of bulk transfers, made at the first one. */
    private Pointer bulk;

    /** Copies {@code length} bytes from the guest address into {@code dest}; returns bytes read or -errno. */
    public long read(int pid, long address, byte[] dest, int length) {
        Pointer buffer = bufferFor(length);
        long total = 0;
        while (total < length) {
            int n = (int) Math.min(buffer.size(), length - total);
            long got = transfer(pid, buffer, address + total, 0, n, false);
            if (got <= 0) {
                return total > 0 ? total : got;
            }
            buffer.get(0, dest, (int) total, (int) got);
            total += got;
        }
        return total;
    }

    /** Copies {@code src} into guest memory at {@code address}; returns bytes written or -errno. */
    public long write(int pid, long address, byte[] src, int length) {
        Pointer buffer = bufferFor(length);
        long total = 0;
        while (total < length) {
            int n = (int) Math.min(buffer.size(), length - total);
            buffer.put(0, src, (int) total, n);
            long put = transfer(pid, buffer, address + total, 0, n, true);
            if (put <= 0) {
                return total > 0 ? total : put;
            }
            total += put;
        }
        return total;
    }

    /**
     * Copies {@code length} bytes of a direct buffer, from its position on, into guest memory
     * at {@code address}: one copy, the kernel's. Returns bytes written or -errno.
     */
    public long write(int pid, long address, ByteBuffer src, int length) {
        return transfer(pid, address, src, length, true);
    }

    /**
     * Copies {@code length} bytes of guest memory at {@code address} into a direct buffer, from
     * its position on. Returns bytes read or -errno.
     */
    public long read(int pid, long address, ByteBuffer dst, int length) {
        return transfer(pid, address, dst, length, false);
    }

    private long transfer(int pid, long address, ByteBuffer buffer, int length, boolean write) {
        if (!buffer.isDirect() || length > buffer.remaining()) {
            throw new IllegalArgumentException("a direct buffer with room for " + length + " bytes");
        }
        return transferAt(pid, MemoryIO.getInstance().getDirectBufferAddress(buffer) + buffer.position(), address, length, write);
    }

    /** The small buffer for paths and structs; for bulk data (reads and writes of served files) a large one, made once. */
    private Pointer bufferFor(int length) {
        if (length <= PATH_MAX) {
            return local;
        }
        if (bulk == null) {
            bulk = Memory.allocateDirect(Native.runtime(), BULK);
        }
        return bulk;
    }

    /**
     * Reads a NUL-terminated string of at most {@code max} bytes.
     *
     * @return the string, or null when the address is unreadable or no NUL comes within {@code max}
     */
    public String readString(int pid, long address, int max) {
        int n = readCString(pid, address, Math.min(max, PATH_MAX));
        return n < 0 ? null : decode(n, StandardCharsets.UTF_8);
    }

    /**
     * Reads a path argument as the kernel would: its bytes, one char each (ISO-8859-1), so that
     * any file name survives a round trip.
     *
     * @return the path, or null with {@link #lastErrno()} EFAULT (unreadable) or ENAMETOOLONG
     *         (no NUL within PATH_MAX bytes)
     */
    public String readPath(int pid, long address) {
        int n = readCString(pid, address, PATH_MAX);
        if (n < 0) {
            lastErrno = -n;
            return null;
        }
        return decode(n, StandardCharsets.ISO_8859_1);
    }

    public int lastErrno() {
        return lastErrno;
    }

    /** Copies a C string into {@code local}: its length, or -EFAULT / -ENAMETOOLONG. */
    private int readCString(int pid, long address, int limit) {
        int have = 0;
        while (have < limit) {
            // Stay inside the current page: the string may end just before an unmapped one.
            long at = address + have;
            int toPageEnd = (int) (4096 - (at & 4095));
            int n = Math.min(Math.min(CHUNK, toPageEnd), limit - have);
            long got = transfer(pid, local, at, have, n, false);
            if (got <= 0) {
                return -Errno.EFAULT;
            }
            // One copy out of native memory, then a scan in Java: a native read per byte
            // costs more than the whole transfer, above all before the JIT has compiled this.
            local.get(have, text, have, (int) got);
            for (int i = have; i < have + got; i++) {
                if (text[i] == 0) {
                    return i;
                }
            }
            have += (int) got;
        }
        return -Errno.ENAMETOOLONG;
    }

    /** The string {@link #readCString} left in {@link #text}. */
    private String decode(int length, java.nio.charset.Charset charset) {
        return new String(text, 0, length, charset);
    }

    private long transfer(int pid, Pointer buffer, long address, int localOffset, int length, boolean write) {
        // (One copy into native memory: each jnr-ffi write is several calls deep.)
        return transferAt(pid, buffer.address() + localOffset, address, length, write);
    }

    /** One process_vm_writev (or readv) between our memory at {@code local} and the guest's at {@code address}. */
    private long transferAt(int pid, long local, long address, int length, boolean write) {
        iovecWords[0] = local;
        iovecWords[1] = length;
        iovecWords[2] = address;
        iovecWords[3] = length;
        iovecs.put(0, iovecWords, 0, 4);
        long iov = iovecs.address();
        long n = write
                ? DirectCalls.processVmWritev(pid, iov, 1, iov + 16, 1)
                : DirectCalls.processVmReadv(pid, iov, 1, iov + 16, 1);
        return n >= 0 ? n : -DirectCalls.errno();
    }
}
