package jvuos.syscall;

import java.util.List;
import java.util.Set;

/** A syscall that takes paths, with the rules by which the dispatcher resolves them. */
public record PathCall(Syscall syscall, List<PathArg> paths, Set<Effect> effects) {
    /** What the call does beyond acting on its paths. */
    public enum Effect {
        /** It returns a new fd on its path. */
        OPENS,
        /** It sets the cwd. */
        CHDIR,
        /** It takes a name away (EBUSY on a mount point). */
        REMOVES,
        /** A directory may move: cached working directories may be stale. */
        RENAMES,
        /** It reads a symlink into the buffer and size arguments that follow the path. */
        READSLINK
    }

    public PathCall {
        paths = List.copyOf(paths);
        effects = Set.copyOf(effects);
    }

    public boolean has(Effect effect) {
        return effects.contains(effect);
    }
}
