package jvuos.vfs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The mounts of one view, in mount order. A path belongs to the mount whose point is its
 * longest prefix; of two mounts on one point the newer hides the older.
 */
public final class MountTable {
    private final List<Mount> mounts = new ArrayList<>();
    private int nextEpoch = 1;

    public int nextEpoch() {
        return nextEpoch;
    }

    public Mount add(Mount mount) {
        mounts.add(mount);
        nextEpoch = mount.epoch() + 1;
        return mount;
    }

    public void remove(Mount mount) {
        mounts.remove(mount);
    }

    public boolean isEmpty() {
        return mounts.isEmpty();
    }

    /** The mounts in mount order. */
    public List<Mount> all() {
        return Collections.unmodifiableList(mounts);
    }

    /**
     * The mount a canonical path belongs to among mounts older than {@code epoch}, or null for
     * the host; a mount that does not claim the path ({@code except=}) leaves it to the next.
     */
    public Mount owner(String path, int epoch) {
        Mount best = null;
        for (Mount m : mounts) {
            if (m.epoch() < epoch && (best == null || m.point().length() >= best.point().length())
                    && m.covers(path) && claims(m, path)) {
                best = m;
            }
        }
        return best;
    }

    /** Whether the mount's file system takes the path as its own; a module that fails to say, does. */
    private static boolean claims(Mount m, String path) {
        try {
            return m.fs().claims(m.relative(path));
        } catch (RuntimeException | LinkageError e) {
            return true;
        }
    }

    /**
     * True when some mount point's last component is {@code name}, or some mount serves
     * {@code name} beside its point in the point's directory (a partition of a disk).
     */
    public boolean hasPointNamed(String name) {
        for (Mount m : mounts) {
            String point = m.point();
            int nameStart = point.lastIndexOf('/') + 1;
            int pointNameLength = point.length() - nameStart;
            if (pointNameLength > 0 && point.regionMatches(nameStart, name, 0, pointNameLength)
                    && (pointNameLength == name.length() || m.besidePoint(point.substring(0, nameStart) + name) != null)) {
                return true;
            }
        }
        return false;
    }

    /** The visible mount whose point is exactly {@code path}, or null. */
    public Mount mountedAt(String path, int epoch) {
        Mount top = null;
        for (Mount m : mounts) {
            if (m.epoch() < epoch && m.point().equals(path)) {
                top = m;
            }
        }
        return top;
    }
}
