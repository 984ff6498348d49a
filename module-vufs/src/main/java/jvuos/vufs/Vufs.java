package jvuos.vufs;

import java.util.Locale;

import jvuos.errno.Errno;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * vufs: {@code vumount -t vufs [-o MODE] SOURCE TARGET} shows the directory SOURCE at TARGET.
 *
 * <p>Mode {@code bind} (the default): every operation on TARGET and below goes to SOURCE,
 * and what was at TARGET is hidden until {@code vuumount}.
 */
public final class Vufs implements VuModule {

    @Override
    public String name() {
        return "vufs";
    }

    @Override
    public String description() {
        return "virtual file system: a host directory shown at another path (bind)";
    }

    @Override
    public MountedFileSystem mount(MountRequest request) throws VuException {
        if (!request.type().equals("vufs")) {
            throw new VuException(Errno.ENODEV, "vufs serves type vufs, not " + request.type());
        }
        MountOptions options = MountOptions.parse(request.options());
        if (options.mode() != MountOptions.Mode.BIND) {
            throw new VuException(Errno.EINVAL, "vufs mode " + options.mode().name().toLowerCase(Locale.ROOT) + " is not available yet");
        }
        if (request.source().isEmpty() || request.source().equals("none")) {
            throw new VuException(Errno.ENOENT, "vufs needs a source directory");
        }
        return new BindFileSystem(request.view().hostPath(request.source()));
    }
}
