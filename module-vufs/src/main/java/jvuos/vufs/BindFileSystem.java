package jvuos.vufs;

import jvuos.module.MountedFileSystem;

/**
 * vufs bind: the mount shows the host directory {@code source}; every path maps to the file
 * below it, except the except= subtrees, which show what lies below the mount.
 */
final class BindFileSystem implements MountedFileSystem {
    private final String source;
    private final MountOptions options;

    BindFileSystem(String source, MountOptions options) {
        this.source = source;
        this.options = options;
    }

    @Override
    public String hostPath(String relativePath) {
        if (relativePath.isEmpty()) {
            return source;
        }
        return source.equals("/") ? "/" + relativePath : source + "/" + relativePath;
    }

    @Override
    public boolean claims(String relativePath) {
        return !options.excepts(relativePath);
    }
}
