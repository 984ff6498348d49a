package jvuos.tracer;

import java.util.BitSet;
import java.util.List;

import jvuos.seccomp.SeccompFilter;

/** What a handler may ask of the tracer's seccomp filters. */
public interface FilterControl {
    /**
     * Makes every guest process, those running now included, stop at the syscalls in
     * {@code syscalls} (x86_64 numbers), and at those of {@code argRules} for the argument
     * values named there, from now on. Filters only tighten: the set cannot shrink.
     */
    void traceAlso(BitSet syscalls, List<SeccompFilter.ArgRule> argRules);

    /** How to give a guest thread an fd of the hypervisor; null when the kernel cannot (legacy mode, an old kernel). */
    FdHandover fdHandover();
}
