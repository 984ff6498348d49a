package jvuos.vfs;

import jvuos.module.MountedFileSystem;
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

    /** The host file behind a canonical path at or below {@link #point}. */
    public String hostPath(String path) throws VuException {
        return ModuleCalls.guarded(() -> fs.hostPath(PathNames.relative(path, point)), module);
    }
}
