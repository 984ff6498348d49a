package jvuos.testfs;

import jvuos.module.Credentials;
import jvuos.errno.Errno;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/** {@code vumount -t memfs [-o uid=N,gid=N] none TARGET}: an empty file system in the hypervisor's memory. */
public final class MemFsModule implements VuModule {
    @Override
    public String name() {
        return "memfs";
    }

    @Override
    public String description() {
        return "a file system in memory (the tests' served files)";
    }

    @Override
    public MountedFileSystem mount(MountRequest request) throws VuException {
        int uid = 0;
        int gid = 0;
        for (String option : request.options().split(",")) {
            if (option.startsWith("uid=")) {
                uid = Integer.parseInt(option.substring(4));
            } else if (option.startsWith("gid=")) {
                gid = Integer.parseInt(option.substring(4));
            } else if (!option.isEmpty()) {
                throw new VuException(Errno.EINVAL, "unknown option " + option);
            }
        }
        return new MemFs(new Credentials(uid, gid));
    }
}
