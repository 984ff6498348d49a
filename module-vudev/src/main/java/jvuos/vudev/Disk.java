package jvuos.vudev;

import java.nio.ByteBuffer;

import jvuos.module.VuException;

/**
 * The bytes of a disk, which a block device (the whole disk or a partition of it) reads and
 * writes. Offsets are in bytes; callers keep within {@link #size}.
 */
interface Disk {
    /** The capacity in bytes. */
    long size();

    /** Fills {@code dst} from {@code offset} on, as far as the disk goes; the bytes read. */
    int read(ByteBuffer dst, long offset) throws VuException;

    /**
     * Writes {@code src} at {@code offset}: all of it, or as much as could be stored before
     * a failure, which is thrown only when nothing could be.
     *
     * @return the bytes written
     */
    int write(ByteBuffer src, long offset) throws VuException;

    /**
     * Makes [offset, offset + length) read back as zeros: by writing zeros, unless the disk
     * can free what held the range.
     */
    default void zero(long offset, long length) throws VuException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, length));
        for (long done = 0; done < length;) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            done += write(zeros, offset + done);
        }
    }

    /** Makes what was written durable (fsync). */
    void sync() throws VuException;

    /** The disk is not used any more. */
    void close();
}
