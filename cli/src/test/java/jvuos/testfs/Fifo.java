package jvuos.testfs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.Readiness;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * A named pipe of memfs, with the kernel's rules: reads wait while it is empty and has a
 * writer, and give end-of-file once it has none; a non-blocking open for writing without a
 * reader fails with ENXIO. Opens never wait for the other side (a blocking open of a kernel
 * fifo does).
 */
final class Fifo {
    private static final int CAPACITY = 65536;

    private final ByteBuffer buffer = ByteBuffer.allocate(CAPACITY);
    private final List<End> ends = new ArrayList<>();
    private int readers;
    private int writers;

    VirtualFile open(MemFs.Node node, int flags) throws VuException {
        int access = flags & ServedFileSystem.O_ACCMODE;
        boolean reads = access != ServedFileSystem.O_WRONLY;
        boolean writes = access != ServedFileSystem.O_RDONLY;
        if (access == ServedFileSystem.O_WRONLY && (flags & 04000 /* O_NONBLOCK */) != 0 && readers == 0) {
            throw new VuException(Errno.ENXIO, "no reader");
        }
        End end = new End(node, reads, writes);
        readers += reads ? 1 : 0;
        writers += writes ? 1 : 0;
        ends.add(end);
        changed();
        return end;
    }

    /** Tells every reading end whether it can read now: data, or no writer (end-of-file). */
    private void changed() {
        boolean readable = buffer.position() > 0 || writers == 0;
        for (End e : ends) {
            if (e.reads && e.readiness != null) {
                e.readiness.readable(readable);
            }
        }
    }

    /** One open of the fifo. */
    private final class End implements VirtualFile {
        private final MemFs.Node node;
        private final boolean reads;
        private final boolean writes;
        private Readiness readiness;

        End(MemFs.Node node, boolean reads, boolean writes) {
            this.node = node;
            this.reads = reads;
            this.writes = writes;
        }

        @Override
        public FileStat stat() {
            return node.stat();
        }

        @Override
        public boolean seekable() {
            return false;
        }

        @Override
        public boolean pollable() {
            return true;
        }

        @Override
        public void watch(Readiness r) {
            readiness = r;
            changed();
        }

        @Override
        public int read(ByteBuffer dst, long offset) throws VuException {
            if (buffer.position() == 0) {
                if (writers == 0) {
                    return 0;
                }
                throw new VuException(Errno.EAGAIN, "empty");
            }
            buffer.flip();
            int n = Math.min(dst.remaining(), buffer.remaining());
            ByteBuffer part = buffer.slice(buffer.position(), n);
            dst.put(part);
            buffer.position(buffer.position() + n);
            buffer.compact();
            changed();
            return n;
        }

        @Override
        public int write(ByteBuffer src, long offset) throws VuException {
            if (readers == 0) {
                throw new VuException(Errno.EPIPE, "no reader");
            }
            int n = Math.min(src.remaining(), buffer.remaining());
            if (n == 0) {
                throw new VuException(Errno.EAGAIN, "full");
            }
            buffer.put(src.slice(src.position(), n));
            src.position(src.position() + n);
            changed();
            return n;
        }

        @Override
        public void close() {
            ends.remove(this);
            readers -= reads ? 1 : 0;
            writers -= writes ? 1 : 0;
            changed();
        }
    }
}
