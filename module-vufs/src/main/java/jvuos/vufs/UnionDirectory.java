package jvuos.vufs;

import java.util.List;

import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.VuException;

/** A directory of a union, opened: its listing merges the layers at each rewind. */
final class UnionDirectory extends OpenInView {
    private final UnionFileSystem union;
    UnionDirectory(UnionFileSystem union, String rel) {
        super(rel);
        this.union = union;
    }

    @Override
    public FileStat stat() throws VuException {
        return union.lstat(rel());
    }

    @Override
    public List<DirEntry> list() throws VuException {
        return union.list(rel());
    }

    @Override
    public void close() {
        union.closed(this);
    }
}
