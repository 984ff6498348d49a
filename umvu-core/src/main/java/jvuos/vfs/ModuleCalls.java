package jvuos.vfs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.module.VuException;
import jvuos.module.VuModule;
import jvuos.ptrace.Errno;

/**
 * Calls into module code, which may be a user's jar: whatever it throws becomes an errno for
 * the guest's call (EIO), never the end of the hypervisor and with it of every guest process.
 */
public final class ModuleCalls {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");

    /** A call into a module. */
    @FunctionalInterface
    public interface ModuleCall<T> {
        T call() throws VuException;
    }

    private ModuleCalls() {
    }

    public static <T> T guarded(ModuleCall<T> call, VuModule module) throws VuException {
        try {
            return call.call();
        } catch (VuException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            log.warn("module {} failed: {}", module == null ? "?" : module.name(), e.toString());
            throw new VuException(Errno.EIO, "module failure: " + e);
        }
    }
}
