package jvuos.vfs;

import jvuos.module.FileStat;
import jvuos.module.MountedFileSystem;
import jvuos.module.ServedFileSystem;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * One mount of the view.
 *
 * @param epoch   its rank in mount order: a module's own accesses see only mounts of lower epoch
 * @param point   the canonical mount point
 * @param source  the source as given to mount(2)
 * @param options the data argument as given ("" when none)
 */
public record Mount(int epoch, String point, String source, String type, String options, boolean readOnly,
        VuModule module, MountedFileSystem fs) {

    /** The host file behind a canonical path at or below {@link #point}; null when the module serves it. */
    public String hostPath(String path) throws VuException {
        return served() ? null : ModuleCalls.guarded(() -> fs.hostPath(relative(path)), module);
    }

    /**
     * The device number st_dev shows for the mount's served files: major 0 as for the kernel's
     * own virtual file systems, and a minor of its own per mount, far above those the kernel hands out.
     */
    public long dev() {
        return FileStat.makedev(0, 0xf0000L + (epoch & 0xffff));
    }

    /** True when the module serves the files itself: the kernel never sees them. */
    public boolean served() {
        return fs instanceof ServedFileSystem;
    }

    /** The file system's own operations, for a served mount. */
    public ServedFileSystem servedFs() {
        return (ServedFileSystem) fs;
    }

    /** A canonical path at or below the mount point, or a name beside it that it serves, as the module sees it. */
    public String relative(String path) {
        if (PathNames.isWithin(path, point)) {
            return PathNames.relative(path, point);
        }
        String beside = besidePoint(path);
        if (beside == null) {
            throw new IllegalArgumentException(path + " is not in the mount on " + point);
        }
        return beside;
    }

    /** True for a canonical path at or below the mount point, or a name beside it that its file system serves. */
    public boolean covers(String path) {
        return PathNames.isWithin(path, point) || besidePoint(path) != null;
    }

    /**
     * For a name beside the mount point that starts with the point's own name (/dev/hda1 beside
     * /dev/hda): the relative path the file system serves it at ({@link MountedFileSystem#sibling}),
     * or null; a module that fails to answer serves none.
     */
    String besidePoint(String path) {
        if (path.length() <= point.length() || !path.startsWith(point) || path.indexOf('/', point.length()) >= 0
                || point.equals("/")) {
            return null;
        }
        try {
            return fs.sibling(path.substring(point.length()));
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** lstat of a served file: its attributes. */
    public FileStat lstat(String path) throws VuException {
        return ModuleCalls.guarded(() -> servedFs().lstat(relative(path)), module);
    }

    /**
     * The host directory the served file system lets the kernel hold for the directory at the
     * path ({@link ServedFileSystem#hostDirectory}); null when there is none, or when the module
     * fails to say (the directory is then served as any other).
     */
    public jvuos.module.HostDirectory hostDirectory(String path) {
        try {
            return ModuleCalls.optional(() -> servedFs().hostDirectory(relative(path)), module);
        } catch (VuException e) {
            return null;
        }
    }

    /** readlink of a served symlink. */
    public String readlink(String path) throws VuException {
        return ModuleCalls.guarded(() -> servedFs().readlink(relative(path)), module);
    }
}
