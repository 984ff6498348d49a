package jvuos.syscall;

/**
 * How a syscall treats one of its path arguments (a rule of {@code x86_64-paths.tsv}).
 *
 * @param index       the argument holding the path
 * @param dirfdIndex  the argument holding its directory fd, -1 when relative paths start at the cwd
 * @param follow      how the last component is treated when it is a symlink
 * @param flagsIndex  the argument holding the flags {@code follow} looks at, -1 if none
 * @param writes      the call changes the file system at this path
 * @param deniedErrno non-zero when a path in the view cannot be served: the errno the call gets
 */
public record PathArg(int index, int dirfdIndex, Follow follow, int flagsIndex, boolean writes, int deniedErrno) {
    public static final long AT_SYMLINK_NOFOLLOW = 0x100;
    public static final long AT_SYMLINK_FOLLOW = 0x400;
    public static final long AT_EMPTY_PATH = 0x1000;
    public static final long O_ACCMODE = 03;
    public static final long O_CREAT = 0100;
    public static final long O_EXCL = 0200;
    public static final long O_TRUNC = 01000;
    public static final long O_DIRECTORY = 0200000;
    public static final long O_NOFOLLOW = 0400000;

    /** How the last component is treated when it is a symlink. */
    public enum Follow {
        FOLLOW, NOFOLLOW,
        /** The call acts on the name itself (creates or removes it): never followed, even with a trailing slash. */
        NAME,
        AT_NOFOLLOW_FLAG, AT_FOLLOW_FLAG, OPEN_FLAGS, OPEN_HOW
    }

    /** Whether the last component is followed, given the value of the flags argument (or open_how's flags). */
    public boolean follows(long flags) {
        return switch (follow) {
            case FOLLOW -> true;
            case NOFOLLOW, NAME -> false;
            case AT_NOFOLLOW_FLAG -> (flags & AT_SYMLINK_NOFOLLOW) == 0;
            case AT_FOLLOW_FLAG -> (flags & AT_SYMLINK_FOLLOW) != 0;
            case OPEN_FLAGS, OPEN_HOW -> (flags & O_NOFOLLOW) == 0 && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
        };
    }

    /** Whether the call changes the file system, given the flags argument. */
    public boolean writes(long flags) {
        if (follow == Follow.OPEN_FLAGS || follow == Follow.OPEN_HOW) {
            return (flags & O_ACCMODE) != 0 || (flags & (O_CREAT | O_TRUNC)) != 0;
        }
        return writes;
    }

    /** Whether an empty path means the dirfd itself (AT_EMPTY_PATH). */
    public boolean emptyPathAllowed(long flags) {
        return (follow == Follow.AT_NOFOLLOW_FLAG || follow == Follow.AT_FOLLOW_FLAG) && (flags & AT_EMPTY_PATH) != 0;
    }
}
