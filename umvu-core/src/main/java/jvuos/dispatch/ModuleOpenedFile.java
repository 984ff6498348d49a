package jvuos.dispatch;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.Readiness;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.vfs.Mount;

/**
 * A file a module opened through another module's mount ({@code ViewPaths.openServed}: the
 * ramdisk under a vudevpartx disk). It counts as an open file of that mount until its
 * opener closes it, so the mount is busy meanwhile, as a loop device keeps its file's mount.
 */
final class ModuleOpenedFile implements VirtualFile {
    private final VirtualFile file;
    private final Mount mount;
    private final Map<Mount, Integer> openCounts;
    private boolean closed;

    ModuleOpenedFile(VirtualFile file, Mount mount, Map<Mount, Integer> openCounts) {
        this.file = file;
        this.mount = mount;
        this.openCounts = openCounts;
        openCounts.merge(mount, 1, Integer::sum);
    }

    @Override
    public FileStat stat() throws VuException {
        return file.stat();
    }

    @Override
    public long size() throws VuException {
        return file.size();
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws VuException {
        return file.read(dst, offset);
    }

    @Override
    public int write(ByteBuffer src, long offset) throws VuException {
        return file.write(src, offset);
    }

    @Override
    public boolean seekable() {
        return file.seekable();
    }

    @Override
    public boolean pollable() {
        return file.pollable();
    }

    @Override
    public void watch(Readiness readiness) {
        file.watch(readiness);
    }

    @Override
    public List<DirEntry> list() throws VuException {
        return file.list();
    }

    @Override
    public int ioctlSize(long request) {
        return file.ioctlSize(request);
    }

    @Override
    public long ioctl(long request, long arg, ByteBuffer data) throws VuException {
        return file.ioctl(request, arg, data);
    }

    @Override
    public void sync(boolean dataOnly) throws VuException {
        file.sync(dataOnly);
    }

    @Override
    public void truncate(long length) throws VuException {
        file.truncate(length);
    }

    @Override
    public void allocate(int mode, long offset, long length) throws VuException {
        file.allocate(mode, offset, length);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            openCounts.computeIfPresent(mount, (m, n) -> n > 1 ? n - 1 : null);
            file.close();
        }
    }
}
