package jvuos.vudev;

import java.nio.ByteBuffer;
import java.util.Map;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/** vudevnull: a character device that reads as empty and takes every write, as /dev/null. */
final class NullDevice implements ServedFileSystem {
    private final FileStat stat;

    NullDevice(FileStat stat) {
        this.stat = stat;
    }

    @Override
    public FileStat lstat(String relativePath) throws VuException {
        if (!relativePath.isEmpty()) {
            throw new VuException(Errno.ENOENT, "a character device");
        }
        return stat;
    }

    @Override
    public VirtualFile open(String relativePath, int flags) throws VuException {
        lstat(relativePath);
        if ((flags & O_DIRECTORY) != 0) {
            throw new VuException(Errno.ENOTDIR, "a character device");
        }
        return new VirtualFile() {
            @Override
            public FileStat stat() {
                return stat;
            }

            @Override
            public int read(ByteBuffer dst, long offset) {
                return 0;
            }

            @Override
            public int write(ByteBuffer src, long offset) {
                int n = src.remaining();
                src.position(src.limit());
                return n;
            }
        };
    }

    @Override
    public Map<Long, String> devices() {
        return Map.of(stat.rdev(), "");
    }
}
