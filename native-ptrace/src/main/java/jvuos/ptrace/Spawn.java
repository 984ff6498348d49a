package jvuos.ptrace;

import java.util.List;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Starts a process with posix_spawn(3): glibc implements it with clone(CLONE_VM|CLONE_VFORK)
 * and an immediate exec, so no copy of the JVM ever runs Java code (a JVM fork can hang).
 * The child belongs to the calling thread, which is what lets that thread wait for it with
 * {@code __WNOTHREAD}.
 */
public final class Spawn {
    private Spawn() {
    }

    /**
     * @param path the program to exec (no PATH search)
     * @param argv raw argument bytes, argv[0] first
     * @param envp raw "NAME=value" entries, in the order the child should see them
     * @return the child's pid
     */
    public static int spawn(String path, List<byte[]> argv, List<byte[]> envp) throws NativeException {
        Runtime runtime = Native.runtime();
        Pointer pid = Memory.allocateDirect(runtime, 4);
        CStringArray args = new CStringArray(argv);
        CStringArray env = new CStringArray(envp);
        int err = Native.libc().posix_spawn(pid, path, null, null, args.pointers, env.pointers);
        // The arrays point into memory freed when these objects are collected: keep them alive until here.
        java.lang.ref.Reference.reachabilityFence(args);
        java.lang.ref.Reference.reachabilityFence(env);
        if (err != 0) {
            throw new NativeException("posix_spawn " + path, err);
        }
        return pid.getInt(0);
    }

    /** A pipe whose write end the JVM keeps (close-on-exec) and whose read end a child inherits. */
    public static int[] inheritablePipe() throws NativeException {
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, 0) != 0) {
            throw new NativeException("pipe2", Native.errno());
        }
        // Neither end is close-on-exec: the read end must reach the launcher, which closes every
        // fd it was not told to keep, the write end included.
        return fds;
    }

    /** A NULL-terminated char*[] whose strings live in one block of native memory. */
    private static final class CStringArray {
        final Pointer pointers;
        final Pointer strings;

        CStringArray(List<byte[]> values) {
            Runtime runtime = Native.runtime();
            long total = 1;
            for (byte[] v : values) {
                total += v.length + 1;
            }
            strings = Memory.allocateDirect(runtime, total);
            pointers = Memory.allocateDirect(runtime, 8L * (values.size() + 1));
            long offset = 0;
            for (int i = 0; i < values.size(); i++) {
                byte[] v = values.get(i);
                strings.put(offset, v, 0, v.length);
                strings.putByte(offset + v.length, (byte) 0);
                pointers.putAddress(8L * i, strings.address() + offset);
                offset += v.length + 1;
            }
            pointers.putAddress(8L * values.size(), 0);
        }
    }
}
