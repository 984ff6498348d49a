package jvuos.vudev;

import java.nio.ByteBuffer;

import jvuos.errno.Errno;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/** A disk held in a file another module serves (partitions of a ramdisk). */
final class ServedDisk implements Disk {
    private final VirtualFile file;
    private final long size;

    ServedDisk(VirtualFile file) throws VuException {
        this.file = file;
        this.size = file.size() / PartitionTable.SECTOR * PartitionTable.SECTOR; // whole sectors, as a loop device
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws VuException {
        int wanted = (int) Math.min(dst.remaining(), Math.max(0, size - offset));
        ByteBuffer window = dst.slice(dst.position(), wanted);
        while (window.hasRemaining()) {
            if (file.read(window, offset + window.position()) <= 0) {
                window.put(new byte[window.remaining()]);
            }
        }
        dst.position(dst.position() + wanted);
        return wanted;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws VuException {
        int start = src.position();
        while (src.hasRemaining()) {
            try {
                if (file.write(src, offset + src.position() - start) <= 0) {
                    throw new VuException(Errno.EIO, "the disk's file took nothing");
                }
            } catch (VuException e) {
                if (src.position() > start) {
                    return src.position() - start;
                }
                throw e;
            }
        }
        return src.position() - start;
    }

    @Override
    public void sync() throws VuException {
        file.sync(false);
    }

    @Override
    public void close() {
        file.close();
    }
}
