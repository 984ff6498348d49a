package jvuos.tracer;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything needed to start the guest as if the caller of umvu had started it directly.
 *
 * @param launcher the compiled umvu-launcher
 * @param command raw argument bytes, the command first (the JVM's decoding of its own
 *                arguments could lose bytes that are not valid in the locale)
 * @param environment raw "NAME=value" entries in the caller's order
 * @param inheritedFds the fds the caller passed to umvu (every other open fd is the JVM's)
 * @param ignoredSignals bit N-1 set: the caller ignored signal N
 * @param blockedSignals bit N-1 set: the caller blocked signal N
 */
public record Guest(Path launcher, List<byte[]> command, List<byte[]> environment, List<Integer> inheritedFds,
        long ignoredSignals, long blockedSignals) {
    public Guest {
        command = List.copyOf(command);
        environment = List.copyOf(environment);
        inheritedFds = List.copyOf(inheritedFds);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command");
        }
    }
}
