package jvuos.testfs;

import java.util.ArrayList;
import java.util.List;

import jvuos.module.Credentials;
import jvuos.errno.Errno;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.ProcessEvents;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * {@code vumount -t memfs [-o uid=N,gid=N,zero=MAJOR:MINOR,events] none TARGET}: an empty
 * file system in the hypervisor's memory. {@code zero=} adds a character device "zero" that
 * serves that device number everywhere; {@code events} adds a file "events" where the guest's
 * process events are written.
 */
public final class MemFsModule implements VuModule, ProcessEvents {
    private final List<MemFs> listening = new ArrayList<>();

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
        String zero = null;
        boolean events = false;
        for (String option : request.options().split(",")) {
            if (option.startsWith("uid=")) {
                uid = Integer.parseInt(option.substring(4));
            } else if (option.startsWith("gid=")) {
                gid = Integer.parseInt(option.substring(4));
            } else if (option.startsWith("zero=")) {
                zero = option.substring(5);
            } else if (option.equals("events")) {
                events = true;
            } else if (!option.isEmpty()) {
                throw new VuException(Errno.EINVAL, "unknown option " + option);
            }
        }
        MemFs fs = new MemFs(new Credentials(uid, gid));
        if (zero != null) {
            String[] mm = zero.split(":");
            fs.addZeroDevice(Long.parseLong(mm[0]), Long.parseLong(mm[1]));
        }
        if (events) {
            fs.create("events", 0644, new Credentials(uid, gid));
            listening.add(fs);
        }
        return fs;
    }

    private void record(String line) {
        for (MemFs fs : listening) {
            fs.append("events", line + "\n");
        }
    }

    @Override
    public void started(int parent, int child, boolean thread) {
        record((thread ? "thread " : "process ") + child + " of " + parent);
    }

    @Override
    public void execed(int pid) {
        record("exec " + pid);
    }

    @Override
    public void ended(int tid) {
        record("end " + tid);
    }
}
