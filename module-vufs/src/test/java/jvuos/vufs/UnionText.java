package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFIFO;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFMT;
import static jvuos.module.FileStat.S_IFREG;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;

import jvuos.errno.Errno;

/**
 * How the union property test ({@link UnionPropertyTest}) writes what it compares and
 * reports: a file as one line, file types, errnos, contents; its view paths ("a/b", the root
 * ""); and the comparison of whole trees.
 */
final class UnionText {
    private UnionText() {
    }

    /** A file as a final check sees it; its mtime is compared only where the expected side knows it. */
    record Seen(String line, Long mtime) {
        boolean matches(Seen actual) {
            return line.equals(actual.line) && (mtime == null || mtime.equals(actual.mtime));
        }

        @Override
        public String toString() {
            return line + (mtime == null ? "" : " mtime " + mtime);
        }
    }

    /** Where {@code actual} differs from {@code expected}, or null. */
    static String diff(Map<String, Seen> expected, Map<String, Seen> actual) {
        Set<String> paths = new TreeSet<>(expected.keySet());
        paths.addAll(actual.keySet());
        List<String> differences = new ArrayList<>();
        for (String path : paths) {
            Seen want = expected.get(path);
            Seen got = actual.get(path);
            if (want == null || got == null || !want.matches(got)) {
                // The time found is shown only where one was expected: elsewhere it is noise.
                String found = got == null ? "nothing" : want != null && want.mtime() == null ? got.line() : got.toString();
                differences.add(path + ": expected " + (want == null ? "nothing" : want) + ", found " + found);
            }
        }
        if (differences.isEmpty()) {
            return null;
        }
        int shown = Math.min(differences.size(), 6);
        return String.join("; ", differences.subList(0, shown)) + (shown < differences.size() ? "; ..." : "");
    }

    /** A file's attributes (and a regular file's content, when given) as one comparable line. */
    static String line(int mode, int uid, int gid, long size, byte[] content, String target) {
        String owner = uid + ":" + gid;
        int perm = mode & 07777;
        String line = switch (mode & S_IFMT) {
            case S_IFDIR -> "dir " + octal(perm) + " " + owner;
            case S_IFREG -> "file " + octal(perm) + " " + owner + " size=" + size;
            case S_IFLNK -> "link " + owner + " size=" + size + " -> " + target;
            default -> typeName(mode & S_IFMT) + " " + octal(perm) + " " + owner;
        };
        return content == null ? line : line + " " + show(content);
    }

    static String typeName(int type) {
        return switch (type) {
            case S_IFDIR -> "dir";
            case S_IFREG -> "file";
            case S_IFLNK -> "link";
            case S_IFIFO -> "fifo";
            default -> "type " + Integer.toOctalString(type);
        };
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "EPERM";
            case Errno.ENOENT -> "ENOENT";
            case Errno.EIO -> "EIO";
            case Errno.EBADF -> "EBADF";
            case Errno.EACCES -> "EACCES";
            case Errno.EBUSY -> "EBUSY";
            case Errno.EEXIST -> "EEXIST";
            case Errno.EXDEV -> "EXDEV";
            case Errno.ENOTDIR -> "ENOTDIR";
            case Errno.EISDIR -> "EISDIR";
            case Errno.EINVAL -> "EINVAL";
            case Errno.EROFS -> "EROFS";
            case Errno.ENOTEMPTY -> "ENOTEMPTY";
            case Errno.ELOOP -> "ELOOP";
            case Errno.ENOSYS -> "ENOSYS";
            case Errno.EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }

    static String octal(int perm) {
        return String.format("%04o", perm);
    }

    /** Short content as text (other bytes as \xNN), long content as its length and checksum. */
    static String show(byte[] data) {
        if (data.length <= 24) {
            StringBuilder text = new StringBuilder("'");
            for (byte b : data) {
                text.append(b >= ' ' && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
            }
            return text.append("'").toString();
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        return "<" + data.length + " bytes, crc " + Long.toHexString(crc.getValue()) + ">";
    }

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
