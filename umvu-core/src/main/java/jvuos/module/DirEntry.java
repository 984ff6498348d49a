package jvuos.module;

/**
 * One entry of a served directory, as getdents64 lists it.
 *
 * @param name a single path component (raw bytes, one char per byte), not "." or ".."
 * @param ino  its inode number
 * @param type its file type bits ({@link FileStat#S_IFDIR}...), 0 when unknown
 */
public record DirEntry(String name, long ino, int type) {
}
