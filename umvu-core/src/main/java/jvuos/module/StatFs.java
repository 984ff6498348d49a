package jvuos.module;

/**
 * What statfs(2) says of a served file system. Sizes are in {@code blockSize} units.
 *
 * @param type    the file system's magic number (f_type)
 * @param flags   mount flags as statfs reports them (ST_RDONLY = 1 is added for a read-only mount)
 */
public record StatFs(long type, long blockSize, long blocks, long freeBlocks, long availableBlocks, long files,
        long freeFiles, long nameMax, long flags) {
}
