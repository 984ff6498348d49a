package jvuos.vufs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jvuos.errno.Errno;
import jvuos.module.VuException;

/**
 * The {@code -o} options of a vufs mount: one mode (bind, merge, cow, mincow), any number of
 * {@code except=PATH} (relative to the mount point, as in VUOS: {@code except=/tmp}), and {@code nochcopy}; {@code ro}/{@code rw} are accepted as mount(8)
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
                except.add(relative(option.substring("except=".length())));
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

    /** An except= path as a path relative to the mount point: VUOS writes it from there, with a leading '/'. */
    private static String relative(String given) throws VuException {
        String p = given.replaceAll("/+", "/").replaceAll("^/|/$", "");
        if (p.isEmpty() || p.equals(".") || p.equals("..") || p.startsWith("../") || p.contains("/../") || p.endsWith("/..")) {
            throw new VuException(Errno.EINVAL, "except= needs a path below the mount point: " + given);
        }
        return p;
    }

    /** True when {@code rel}, relative to the mount point, lies in an except= subtree: the mount leaves it to what lies below. */
    boolean excepts(String rel) {
        for (String e : except) {
            if (rel.startsWith(e) && (rel.length() == e.length() || rel.charAt(e.length()) == '/')) {
                return true;
            }
        }
        return false;
    }
}
