package jvuos.tracer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import jvuos.ptrace.NativeException;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.Spawn;

/**
 * Whether a guest started from here can install a seccomp filter. The launcher tries it in a
 * throw-away process (about a millisecond): only a real attempt answers for this kernel, this
 * container and the filters this process already runs under.
 */
public final class SeccompProbe {
    private SeccompProbe() {
    }

    public static boolean available(Path launcher) throws NativeException {
        String path = launcher.toString();
        int pid = Spawn.spawn(path, List.of(bytes(path), bytes("--probe-seccomp")), List.of());
        Ptrace waiter = new Ptrace();
        if (waiter.await(pid, 0) != pid) {
            return false;
        }
        int status = waiter.lastStatus();
        return WaitStatus.exited(status) && WaitStatus.exitCode(status) == 0;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
