package jvuos.vufs;

import jvuos.module.MountedFileSystem;

/** vufs bind: the mount shows the host directory {@code source}; every path maps to the file below it. */
final class BindFileSystem implements MountedFileSystem {
    private final String source;

    BindFileSystem(String source) {
        this.source = source;
    }

    @Override
    public String hostPath(String relativePath) {
        if (relativePath.isEmpty()) {
            return source;
        }
        return source.equals("/") ? "/" + relativePath : source + "/" + relativePath;
    }
}
