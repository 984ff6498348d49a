package jvuos.vufs;

import java.nio.ByteBuffer;

import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VuException;

/**
 * A non-directory of a union, opened: a host fd on the layer file that holds it. When a
 * file opened on the lower layer is copied up, the union moves the fd to the copy
 * ({@link #moveTo}), so that a reader sees what later writes wrote, as with overlayfs.
 */
final class LayerFile extends OpenInView {
    private final UnionFileSystem union;
    private final LayerCalls host;
    private final boolean seekable;
    private final int flags;
    private int fd;
    private boolean upper;

    LayerFile(UnionFileSystem union, LayerCalls host, String rel, int fd, boolean upper, int type, int flags) {
        super(rel);
        this.union = union;
        this.host = host;
        this.fd = fd;
        this.upper = upper;
        this.flags = flags;
        this.seekable = type == FileStat.S_IFREG || type == FileStat.S_IFBLK;
    }

    boolean onLower() {
        return !upper;
    }

    /** The access mode the file was opened with. */
    int accessMode() {
        return flags & ServedFileSystem.O_ACCMODE;
    }

    /** The file was copied up to {@code copy}: read it there from now on. */
    void moveTo(int copy) {
        host.close(fd);
        fd = copy;
        upper = true;
    }

    @Override
    public FileStat stat() throws VuException {
        return union.viewStat(rel(), host.fstat(fd), upper);
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws VuException {
        return host.read(fd, dst, seekable ? offset : -1);
    }

    @Override
    public int write(ByteBuffer src, long offset) throws VuException {
        return host.write(fd, src, seekable ? offset : -1);
    }

    @Override
    public boolean seekable() {
        return seekable;
    }

    @Override
    public void sync(boolean dataOnly) throws VuException {
        host.fsync(fd, dataOnly);
    }

    @Override
    public void truncate(long length) throws VuException {
        host.ftruncate(fd, length);
    }

    @Override
    public void allocate(int mode, long offset, long length) throws VuException {
        host.fallocate(fd, mode, offset, length);
    }

    @Override
    public void close() {
        host.close(fd);
        union.closed(this);
    }
}
