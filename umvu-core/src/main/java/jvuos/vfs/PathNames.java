package jvuos.vfs;

import java.util.ArrayDeque;
import java.util.Deque;

/** Lexical operations on canonical absolute paths ("/", "/a/b": no trailing slash, no "." or ".."). */
public final class PathNames {
    private PathNames() {
    }

    /** {@code dir} joined with one component. */
    public static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /** The parent of a canonical path ("/" is its own parent). */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** True when {@code path} is {@code ancestor} or lies below it. */
    public static boolean isWithin(String path, String ancestor) {
        return ancestor.equals("/") || path.equals(ancestor)
                || (path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }

    /** True for a canonical absolute path: "/", or "/" and names joined by single slashes, none of them "." or "..". */
    public static boolean isCanonical(String path) {
        int n = path.length();
        if (n == 0 || path.charAt(0) != '/') {
            return false;
        }
        if (n == 1) {
            return true;
        }
        int nameStart = 1;
        for (int i = 1; i <= n; i++) {
            if (i == n || path.charAt(i) == '/') {
                int length = i - nameStart;
                if (length == 0 || (length <= 2 && path.charAt(nameStart) == '.'
                        && (length == 1 || path.charAt(nameStart + 1) == '.'))) {
                    return false; // "//", a trailing '/', "." or ".."
                }
                nameStart = i + 1;
            }
        }
        return true;
    }

    /** {@code path} relative to {@code ancestor} ("" for the ancestor itself); requires {@link #isWithin}. */
    public static String relative(String path, String ancestor) {
        if (path.equals(ancestor)) {
            return "";
        }
        return ancestor.equals("/") ? path.substring(1) : path.substring(ancestor.length() + 1);
    }

    /**
     * The components of a path in order, empty ones dropped; "." and ".." kept, since each
     * requires the component before it to be a directory.
     */
    public static Deque<String> components(String path) {
        Deque<String> parts = new ArrayDeque<>();
        int start = 0;
        int n = path.length();
        while (start <= n) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = n;
            }
            if (end > start) {
                parts.add(path.substring(start, end));
            }
            start = end + 1;
        }
        return parts;
    }

    /**
     * True when the last component is "." or ".." (trailing slashes aside: "a/./" ends with
     * "."): the call acts on a directory, never on a name in it.
     */
    public static boolean endsWithDot(String path) {
        String p = withoutTrailingSlashes(path);
        return p.equals(".") || p.equals("..") || p.endsWith("/.") || p.endsWith("/..");
    }

    /** The path without its last component, as a guest wrote it: "a/b/" gives "a", "b" gives ".", "/b" gives "/". */
    public static String dirName(String path) {
        String p = withoutTrailingSlashes(path);
        int slash = p.lastIndexOf('/');
        if (slash < 0) {
            return ".";
        }
        return slash == 0 ? "/" : withoutTrailingSlashes(p.substring(0, slash));
    }

    /** True when the last component is ".." (trailing slashes aside). */
    public static boolean endsWithDotDot(String path) {
        String p = withoutTrailingSlashes(path);
        return p.equals("..") || p.endsWith("/..");
    }

    /** The path without the slashes that end it ("/" stays "/"). */
    public static String withoutTrailingSlashes(String path) {
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }

    /**
     * True when the kernel must treat the last component as a directory: the path ends with
     * '/' or with a "." or ".." component.
     */
    public static boolean endsAsDirectory(String path) {
        return path.endsWith("/") || path.endsWith("/.") || path.equals(".")
                || path.endsWith("/..") || path.equals("..");
    }

    /**
     * A path as openat2's RESOLVE_IN_ROOT reads it, made relative to its start: a leading "/"
     * is the start, and ".." never goes above it (lexically: right where no symlink is in the way).
     */
    public static String withinRoot(String path) {
        Deque<String> kept = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                kept.pollLast();
            } else if (!part.isEmpty() && !part.equals(".")) {
                kept.addLast(part);
            }
        }
        String relative = kept.isEmpty() ? "." : String.join("/", kept);
        return endsAsDirectory(path) && !kept.isEmpty() ? relative + "/" : relative;
    }
}
