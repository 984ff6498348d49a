package jvuos.vudev;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import jvuos.errno.Errno;
import jvuos.module.VuException;

/** A disk held in a host file (an image): its size is the file's at the mount, in whole sectors as a loop device's. */
final class ImageDisk implements Disk {
    private final FileChannel file;
    private final long size;

    private ImageDisk(FileChannel file, long size) {
        this.file = file;
        this.size = size;
    }

    static ImageDisk open(String hostPath, boolean readOnly) throws VuException {
        try {
            FileChannel file = readOnly ? FileChannel.open(Path.of(hostPath), StandardOpenOption.READ)
                    : FileChannel.open(Path.of(hostPath), StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new ImageDisk(file, file.size() / PartitionTable.SECTOR * PartitionTable.SECTOR);
        } catch (NoSuchFileException e) {
            throw new VuException(Errno.ENOENT, hostPath);
        } catch (AccessDeniedException e) {
            throw new VuException(Errno.EACCES, hostPath);
        } catch (IOException | UnsupportedOperationException e) {
            throw new VuException(Errno.EIO, hostPath + ": " + e.getMessage());
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws VuException {
        int wanted = (int) Math.min(dst.remaining(), Math.max(0, size - offset));
        ByteBuffer window = dst.slice(dst.position(), wanted);
        try {
            while (window.hasRemaining()) {
                if (file.read(window, offset + window.position()) < 0) {
                    // The file shrank under the mount: what is gone reads as zeros.
                    window.put(new byte[window.remaining()]);
                }
            }
        } catch (IOException e) {
            throw new VuException(Errno.EIO, e.getMessage());
        }
        dst.position(dst.position() + wanted);
        return wanted;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws VuException {
        int start = src.position();
        try {
            while (src.hasRemaining()) {
                file.write(src, offset + src.position() - start);
            }
        } catch (IOException e) {
            if (src.position() > start) {
                return src.position() - start;
            }
            throw new VuException(e.getMessage() != null && e.getMessage().contains("space") ? Errno.ENOSPC : Errno.EIO,
                    e.getMessage());
        }
        return src.position() - start;
    }

    @Override
    public void sync() throws VuException {
        try {
            file.force(false);
        } catch (IOException e) {
            throw new VuException(Errno.EIO, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            // Nothing was pending: a close of a file written with pwrite loses nothing.
        }
    }
}
