package jvuos.vfs;

import java.util.Deque;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import jvuos.host.HostFiles;
import jvuos.module.VuException;
import jvuos.errno.Errno;

/**
 * Resolves a guest's path in its view exactly as the kernel would resolve it in a real mount
 * namespace: "." and "..", trailing slashes, mount points (".." of a mount root leads to the
 * parent of the mount point), symlinks read from whichever side owns them (a host symlink may
 * lead into a mount and a symlink in a mount out of it), at most 40 of them (ELOOP).
 *
 * <p>The common case costs one host call: when the path's lexical form reaches the host file
 * with no symlink on the way, which {@code openat2(RESOLVE_NO_SYMLINKS)} confirms, the
 * lexical form is the canonical path. Only when a symlink is in the way does the resolver walk
 * the path a component at a time with lstat and readlink.
 */
public final class PathResolver {
    private static final int MAX_SYMLINKS = 40;
    /** /proc links that the kernel follows to an object, not to the path their text shows. */
    private static final Pattern MAGIC_LINK =
            Pattern.compile("/proc/\\d+(/task/\\d+)?/(cwd|root|exe|fd/\\d+|map_files/[^/]+|ns/[^/]+)");

    private final MountTable mounts;
    private final HostFiles host;
    private final UnaryOperator<String> servedMagicLinks;

    /**
     * @param servedMagicLinks the view path a /proc magic link leads to when it leads to a file
     *                         a module serves (the kernel, which has only a placeholder, cannot
     *                         follow it), else null
     */
    public PathResolver(MountTable mounts, HostFiles host, UnaryOperator<String> servedMagicLinks) {
        this.mounts = mounts;
        this.host = host;
        this.servedMagicLinks = servedMagicLinks;
    }

    /** What a resolution needs to know about the calling thread and the call. */
    public record Request(String path, String start, boolean followFinal, boolean nameOnly, boolean allowMissing,
            int epoch, int tgid, int tid) {
    }

    /**
     * @param path        the path as the guest gave it (non-empty)
     * @param start       the canonical view path of the directory a relative path starts from
     * @param followFinal follow a symlink in the last component
     */
    public Resolution resolve(String path, String start, boolean followFinal, int tgid, int tid) {
        return resolve(new Request(path, start, followFinal, false, false, Integer.MAX_VALUE, tgid, tid));
    }

    public Resolution resolve(Request request) {
        try {
            Resolution fast = lexical(request);
            return fast != null ? fast : walk(request);
        } catch (VuException e) {
            return Resolution.failed(e.errno(), true);
        }
    }

    /** The one-host-call resolution, or null when a symlink is in the way. */
    private Resolution lexical(Request request) throws VuException {
        String path = request.path();
        if (PathNames.isCanonical(path)) {
            return canonical(request);
        }
        boolean absolute = path.startsWith("/");
        String cur = absolute ? "/" : request.start();
        Mount startMount = absolute ? null : mounts.owner(cur, request.epoch());
        if (startMount != null && startMount.served()) {
            return null; // a module's files: walked with its lstat and readlink
        }
        boolean touches = startMount != null;
        boolean dotDot = false;
        int runLength = 0; // names since the last directory known to be canonical
        Deque<String> parts = PathNames.components(path);
        while (!parts.isEmpty()) {
            String part = parts.pollFirst();
            if (part.equals(".")) {
                continue; // cur is a directory already: checked, or the start
            }
            if (part.equals("..")) {
                dotDot = true;
                runLength = 0;
                cur = PathNames.parent(cur);
                Mount above = mounts.owner(cur, request.epoch());
                if (above != null && above.served()) {
                    return null;
                }
                touches |= above != null;
                continue;
            }
            cur = PathNames.child(cur, part);
            runLength++;
            if (parts.isEmpty() && runLength == 1 && !request.followFinal()
                    && (request.nameOnly() || !PathNames.endsAsDirectory(path))) {
                // One name in a canonical directory, not followed: no symlink can be in the
                // way, so there is nothing to ask the host (the common fstatat(dirfd, name,
                // AT_SYMLINK_NOFOLLOW) of a directory walk).
                touches |= mounts.owner(cur, request.epoch()) != null;
                break;
            }
            if (parts.isEmpty() || parts.peekFirst().equals("..") || parts.peekFirst().equals(".")) {
                // Check the run of names up to here in one call: "a/b/.." needs a/b to be a
                // directory reached without symlinks, the last name needs no symlink followed.
                boolean last = parts.isEmpty();
                Mount m = mounts.owner(cur, request.epoch());
                touches |= m != null;
                if (m != null && m.served()) {
                    return null;
                }
                if (m != null && m.point().equals(cur)) {
                    continue; // a mount root is a directory of the view, whatever the host has there
                }
                boolean follow = !last || request.followFinal()
                        || (!request.nameOnly() && PathNames.endsAsDirectory(path));
                int r = host.checkNoSymlinks(hostOf(cur, m), follow, !last);
                if (r == -Errno.ELOOP) {
                    return null;
                }
                if (r < 0 && !last && !request.allowMissing()) {
                    return Resolution.failed(-r, touches);
                }
            }
        }
        Mount m = mounts.owner(cur, request.epoch());
        boolean plain = !absolute && !dotDot && m == startMount;
        return finish(request, cur, m, touches, plain, false);
    }

    /**
     * {@link #lexical} for a path already in canonical form (absolute, no "." or "..", no
     * empty name, no trailing slash: most paths a program gives), without taking it apart:
     * the one check of the run of names is the one of the whole path.
     */
    private Resolution canonical(Request request) throws VuException {
        String path = request.path();
        Mount m = mounts.owner(path, request.epoch());
        if (m != null && m.served()) {
            return null; // a module's files: walked with its lstat and readlink
        }
        boolean mountRoot = m != null && m.point().equals(path); // a directory of the view, whatever the host has there
        boolean oneName = path.length() > 1 && path.indexOf('/', 1) < 0;
        // (One name in "/", not followed: no symlink can be in the way, nothing to ask the host.)
        String hostPath = hostOf(path, m);
        if (!mountRoot && path.length() > 1 && !(oneName && !request.followFinal())) {
            int r = host.checkNoSymlinks(hostPath, request.followFinal(), false);
            if (r == -Errno.ELOOP) {
                return null;
            }
        }
        // (What finish() adds to a host path, for a final "." or a trailing slash, a canonical path has not.)
        return new Resolution(0, path, m, hostPath, m != null, false, false);
    }

    /** The component-by-component resolution, for paths with symlinks. */
    private Resolution walk(Request request) throws VuException {
        String path = request.path();
        boolean absolute = path.startsWith("/");
        String cur = absolute ? "/" : request.start();
        boolean touches = !absolute && mounts.owner(cur, request.epoch()) != null;
        // A trailing slash makes the kernel follow a final symlink, except for a call that
        // creates or removes the name (it then fails on the name, ENOTDIR or EEXIST).
        boolean mustBeDirectory = PathNames.endsAsDirectory(path) && !request.nameOnly();
        Deque<String> parts = PathNames.components(path);
        int links = 0;
        while (!parts.isEmpty()) {
            String part = parts.pollFirst();
            if (part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                cur = PathNames.parent(cur);
                touches |= mounts.owner(cur, request.epoch()) != null;
                continue;
            }
            String next = PathNames.child(cur, part);
            boolean last = parts.isEmpty();
            Mount m = mounts.owner(next, request.epoch());
            touches |= m != null;
            if (m != null && m.point().equals(next)) {
                if (m.served() && (!last || mustBeDirectory) && (lstatMode(next, m) & HostFiles.S_IFMT) != HostFiles.S_IFDIR) {
                    return Resolution.failed(Errno.ENOTDIR, true); // a served device is no directory
                }
                cur = next;
                continue;
            }
            if (m == null && cur.equals("/proc") && (part.equals("self") || part.equals("thread-self"))) {
                // The hypervisor's own /proc/self is not the guest's.
                cur = part.equals("self") ? "/proc/" + request.tgid() : "/proc/" + request.tgid() + "/task/" + request.tid();
                continue;
            }
            if (last && !request.followFinal() && !mustBeDirectory) {
                cur = next;
                break;
            }
            int mode = lstatMode(next, m);
            if (mode < 0) {
                if (mode == -Errno.ENOENT && (last || request.allowMissing())) {
                    cur = next;
                    continue;
                }
                return Resolution.failed(-mode, touches);
            }
            if ((mode & HostFiles.S_IFMT) == HostFiles.S_IFLNK) {
                String served = m == null && next.startsWith("/proc/") ? servedMagicLinks.apply(next) : null;
                if (served != null) {
                    if (++links > MAX_SYMLINKS) {
                        return Resolution.failed(Errno.ELOOP, touches);
                    }
                    Deque<String> targetParts = PathNames.components(served);
                    while (!targetParts.isEmpty()) {
                        parts.addFirst(targetParts.pollLast());
                    }
                    cur = "/";
                    continue;
                }
                if (m == null && next.startsWith("/proc/") && MAGIC_LINK.matcher(next).matches()) {
                    // The kernel jumps to the object itself (a pipe, a deleted file): leave the
                    // rest of the path to it.
                    String rest = String.join("/", parts);
                    cur = rest.isEmpty() ? next : next + "/" + rest;
                    break;
                }
                if (++links > MAX_SYMLINKS) {
                    return Resolution.failed(Errno.ELOOP, touches);
                }
                String target = m != null && m.served() ? m.readlink(next) : host.readlink(hostOf(next, m));
                if (target == null) {
                    return Resolution.failed(host.lastErrno(), touches);
                }
                if (target.isEmpty()) {
                    return Resolution.failed(Errno.ENOENT, touches);
                }
                Deque<String> targetParts = PathNames.components(target);
                while (!targetParts.isEmpty()) {
                    parts.addFirst(targetParts.pollLast());
                }
                if (target.startsWith("/")) {
                    cur = "/";
                }
                if (last && PathNames.endsAsDirectory(target)) {
                    mustBeDirectory = true; // a final link to "x/" asks for a directory, as a path "x/" does
                }
                Resolution rest = restInOneCheck(request, cur, parts, mustBeDirectory, touches);
                if (rest != null) {
                    return rest;
                }
                continue;
            }
            if ((!last || mustBeDirectory) && (mode & HostFiles.S_IFMT) != HostFiles.S_IFDIR) {
                return Resolution.failed(Errno.ENOTDIR, touches);
            }
            cur = next;
        }
        return finish(request, cur, mounts.owner(cur, request.epoch()), touches, false, links > 0);
    }

    /**
     * After a symlink: the rest of the walk in one check, when what is left is a canonical path
     * ("/bin/true" becomes "/usr/bin/true" after the /bin link, whose names then need no lstat
     * each), as {@link #canonical} checks a guest's own canonical path; null to walk on.
     */
    private Resolution restInOneCheck(Request request, String cur, Deque<String> parts, boolean mustBeDirectory,
            boolean touched) throws VuException {
        if (mustBeDirectory || parts.isEmpty() || PathNames.endsAsDirectory(request.path())) {
            // A trailing slash asks more of the last name than the check tells, and the host
            // path must keep it (finish() does so): unlink("link/file/") is ENOTDIR.
            return null;
        }
        String candidate = (cur.equals("/") ? "/" : cur + "/") + String.join("/", parts);
        if (!PathNames.isCanonical(candidate)) {
            return null;
        }
        Resolution r = canonical(new Request(candidate, "/", request.followFinal(), request.nameOnly(),
                request.allowMissing(), request.epoch(), request.tgid(), request.tid()));
        return r == null ? null
                : new Resolution(0, r.path(), r.mount(), r.hostPath(), touched || r.touchesMount(), false, true);
    }

    /** The file type and mode of a path, or a negative errno: from the host or the module that serves it. */
    private int lstatMode(String path, Mount m) throws VuException {
        if (m == null || !m.served()) {
            return host.lstatMode(hostOf(path, m));
        }
        try {
            return m.lstat(path).mode();
        } catch (VuException e) {
            return -e.errno();
        }
    }

    private Resolution finish(Request request, String canonical, Mount m, boolean touches, boolean plain,
            boolean viaSymlink) throws VuException {
        if (m != null && m.served()) {
            return new Resolution(0, canonical, m, null, true, false, viaSymlink);
        }
        String hostPath = hostOf(canonical, m);
        String path = request.path();
        // Keep what makes the kernel treat the last component as a directory: a final "." or
        // ".." as "/." (so rmdir or mkdir of it fails as it must, never acting on the
        // directory's name), a trailing slash as itself.
        if (PathNames.endsWithDot(path)) {
            hostPath += hostPath.endsWith("/") ? "." : "/.";
        } else if (PathNames.endsAsDirectory(path) && !hostPath.endsWith("/")) {
            hostPath += "/";
        }
        return new Resolution(0, canonical, m, hostPath, touches, plain, viaSymlink);
    }

    private static String hostOf(String path, Mount m) throws VuException {
        return m == null ? path : m.hostPath(path);
    }
}
