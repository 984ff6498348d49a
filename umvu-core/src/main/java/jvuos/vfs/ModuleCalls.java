package jvuos.vfs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.module.VuException;
import jvuos.module.VuModule;
import jvuos.errno.Errno;

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

    /** A call into a module that answers nothing but may fail. */
    @FunctionalInterface
    public interface ModuleAction {
        void run() throws VuException;
    }

    private ModuleCalls() {
    }

    /** A module's name, even from a module whose name() fails. */
    public static String nameOf(VuModule module) {
        try {
            return module == null ? "?" : String.valueOf(module.name());
        } catch (RuntimeException e) {
            return module.getClass().getName();
        }
    }

    /** Runs the action; a failure other than a VuException is EIO. */
    public static void run(ModuleAction action, VuModule module) throws VuException {
        guarded(() -> {
            action.run();
            return Boolean.TRUE;
        }, module);
    }

    /** The call's result; a failure, or no result (null), is EIO. */
    public static <T> T guarded(ModuleCall<T> call, VuModule module) throws VuException {
        T result = optional(call, module);
        if (result == null) {
            log.warn("module {} failed: it answered null", nameOf(module));
            throw new VuException(Errno.EIO, "module failure: no answer");
        }
        return result;
    }

    /** The call's result, null where the SPI lets the module answer "none"; a failure is EIO. */
    public static <T> T optional(ModuleCall<T> call, VuModule module) throws VuException {
        try {
            return call.call();
        } catch (VuException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            log.warn("module {} failed: {}", nameOf(module), e.toString());
            throw new VuException(Errno.EIO, "module failure: " + e);
        }
    }
}
