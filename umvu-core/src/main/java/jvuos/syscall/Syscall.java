package jvuos.syscall;

import java.util.List;

/** One row of the syscall table. */
public record Syscall(int nr, String name, List<ArgKind> args, ReturnKind returns) {
    public Syscall {
        args = List.copyOf(args);
    }

    /** True when a module could have to serve this call: it takes a path, an fd or an address family. */
    public boolean isVirtualizable() {
        return args.stream().anyMatch(ArgKind::isVirtualizable);
    }
}
