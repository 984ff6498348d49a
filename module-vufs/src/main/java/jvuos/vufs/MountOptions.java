package jvuos.vufs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jvuos.errno.Errno;
import jvuos.module.VuException;

/**
 * The {@code -o} options of a vufs mount: one mode (bind, merge, cow, mincow), any number of
 * {@code except=PATH}, and {@code nochcopy}; {@code ro}/{@code rw} are accepted as mount(8)
 * passes them. Anything else is EINVAL, as the kernel answers an unknown mount option.
 */
record MountOptions(Mode mode, List<String> except, boolean noChCopy) {
    enum Mode {
        BIND, MERGE, COW, MINCOW
    }

    static MountOptions parse(String text) throws VuException {
        Mode mode = null;
        List<String> except = new ArrayList<>();
        boolean noChCopy = false;
        for (String option : text.split(",")) {
            if (option.isEmpty() || option.equals("rw") || option.equals("ro")) {
                continue;
            }
            if (option.startsWith("except=")) {
                except.add(option.substring("except=".length()));
            } else if (option.equals("nochcopy")) {
                noChCopy = true;
            } else {
                Mode m;
                try {
                    m = Mode.valueOf(option.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new VuException(Errno.EINVAL, "unknown vufs option " + option);
                }
                if (mode != null && mode != m) {
                    throw new VuException(Errno.EINVAL, "two vufs modes: " + mode + " and " + m);
                }
                mode = m;
            }
        }
        return new MountOptions(mode == null ? Mode.BIND : mode, List.copyOf(except), noChCopy);
    }
}
