package jvuos.vufs;

import jvuos.errno.Errno;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * vufs: {@code vumount -t vufs [-o MODE[,except=PATH]...[,nochcopy]] SOURCE TARGET} shows the
 * directory SOURCE at TARGET.
 *
 * <p>Mode {@code bind} (the default): every operation on TARGET and below goes to SOURCE,
 * and what was at TARGET is hidden until {@code vuumount}. Modes {@code merge}, {@code cow}
 * and {@code mincow}: TARGET shows SOURCE over what TARGET held ({@link UnionFileSystem}).
 */
public final class Vufs implements VuModule {

    @Override
    public String name() {
        return "vufs";
    }

    @Override
    public String description() {
        return "virtual file system: a host directory shown at another path (bind), or over it (merge, cow, mincow)";
    }

    @Override
    public MountedFileSystem mount(MountRequest request) throws VuException {
        if (!request.type().equals("vufs")) {
            throw new VuException(Errno.ENODEV, "vufs serves type vufs, not " + request.type());
        }
        MountOptions options = MountOptions.parse(request.options());
        if (request.source().isEmpty() || request.source().equals("none")) {
            throw new VuException(Errno.ENOENT, "vufs needs a source directory");
        }
        String source = request.view().hostPath(request.source());
        if (options.mode() == MountOptions.Mode.BIND) {
            return new BindFileSystem(source, options);
        }
        LayerCalls host = new LayerCalls();
        String target = request.view().hostPath(request.target());
        for (String layer : new String[] {source, target}) {
            if (!host.lstat(layer).isDirectory()) {
                throw new VuException(Errno.ENOTDIR, layer + " is no directory");
            }
        }
        if (within(source, target) || within(target, source)) {
            throw new VuException(Errno.EINVAL, "vufs layers inside each other: " + source + " and " + target);
        }
        return new UnionFileSystem(host, options, source, target);
    }

    private static boolean within(String path, String dir) {
        return path.equals(dir) || dir.equals("/") || path.startsWith(dir + "/");
    }
}
