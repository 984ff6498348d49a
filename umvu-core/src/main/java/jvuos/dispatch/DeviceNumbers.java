package jvuos.dispatch;

import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.module.FileStat;
import jvuos.module.VuException;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.Mount;
import jvuos.vfs.PathNames;
import jvuos.vfs.Resolution;

/**
 * Dispatch by device number: the character and block device numbers that served mounts
 * declare ({@link jvuos.module.ServedFileSystem#devices}), so that an open of a device node
 * of such a number, wherever it is, reaches the mount's device file.
 */
final class DeviceNumbers {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");

    /** A device file of a mount, by the type (S_IFCHR or S_IFBLK) and number nodes of it have. */
    private record Key(int type, long rdev) {
    }

    private final Map<Key, Resolution> served = new HashMap<>();

    boolean isEmpty() {
        return served.isEmpty();
    }

    /** Takes in the devices a new served mount declares; a number already taken stays with its first mount. */
    void mounted(Mount m) {
        Map<Long, String> devices;
        try {
            devices = ModuleCalls.guarded(() -> m.servedFs().devices(), m.module());
        } catch (VuException e) {
            return;
        }
        for (Map.Entry<Long, String> e : devices.entrySet()) {
            String path = e.getValue().isEmpty() ? m.point() : PathNames.child(m.point(), e.getValue());
            try {
                int type = m.lstat(path).type();
                if (type == FileStat.S_IFCHR || type == FileStat.S_IFBLK) {
                    served.putIfAbsent(new Key(type, e.getKey()), new Resolution(0, path, m, null, true, false, false));
                    log.debug("device {}:{} served at {}", FileStat.major(e.getKey()), FileStat.minor(e.getKey()), path);
                }
            } catch (VuException ex) {
                log.debug("device file {} of {} not there: {}", path, m.point(), ex.getMessage());
            }
        }
    }

    void unmounted(Mount m) {
        served.values().removeIf(r -> r.mount() == m);
    }

    /** The served device file for a node of {@code mode} (its type) and {@code rdev}, or null. */
    Resolution find(long mode, long rdev) {
        return served.get(new Key((int) mode & FileStat.S_IFMT, rdev));
    }
}
