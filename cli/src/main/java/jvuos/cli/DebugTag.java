package jvuos.cli;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The tags of {@code umvu -d}: each turns on debug output of one logger. */
enum DebugTag {
    SYSCALL("jvuos.syscall", "one strace-like line per intercepted syscall"),
    DISPATCH("jvuos.dispatch", "mounts, modules and where paths lead"),
    TRACER("jvuos.tracer", "processes, signals and ptrace events"),
    VUFS("jvuos.vufs", "vufs: copy-ups, whiteouts, metadata files it cannot read"),
    VUDEV("jvuos.vudev", "vudev: the partitions read from a disk"),
    VUNET("jvuos.vunet", "vunet: stacks, their namespaces and frames"),
    ALL("jvuos", "everything");

    final String logger;
    final String description;

    DebugTag(String logger, String description) {
        this.logger = logger;
        this.description = description;
    }

    static DebugTag parse(String tag) {
        try {
            return valueOf(tag.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown debug tag '" + tag + "' (known: " + names() + ")");
        }
    }

    static String names() {
        return Arrays.stream(values()).map(t -> t.name().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.joining(", "));
    }
}
