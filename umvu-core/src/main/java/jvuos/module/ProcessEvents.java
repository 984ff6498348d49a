package jvuos.module;

/**
 * Process-lifecycle hooks: a loaded module that implements this interface hears of every
 * guest process and thread that starts, execs or ends (for per-process state, such as the
 * default network stack a process and its children use). Called on the hypervisor's thread,
 * before the new process runs and after the old one is gone.
 */
public interface ProcessEvents {
    /** {@code parent} made {@code child}: a thread of its own process when {@code thread}, else a new process. */
    default void started(int parent, int child, boolean thread) {
    }

    /** Process {@code pid} runs a new program. */
    default void execed(int pid) {
    }

    /** Thread {@code tid} has ended (a process ends with its last thread; its pid is its first thread's). */
    default void ended(int tid) {
    }
}
