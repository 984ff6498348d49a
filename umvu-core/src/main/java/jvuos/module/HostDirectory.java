package jvuos.module;

/**
 * A host directory that a guest's fd may hold for a directory of the view
 * ({@link ServedFileSystem#hostDirectory}).
 *
 * @param path        the host directory: a real one, reached without a symlink
 * @param listsAsView the kernel lists it exactly as the view lists the view's directory (the
 *                    same names, d_ino and d_type; ".." aside, whose d_ino is the host
 *                    parent's), so that getdents needs no serving
 */
public record HostDirectory(String path, boolean listsAsView) {
}
