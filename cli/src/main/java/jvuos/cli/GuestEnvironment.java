package jvuos.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The one change umvu makes to the guest's environment: the vu commands at the end of PATH. */
final class GuestEnvironment {
    private static final byte[] PATH_PREFIX = "PATH=".getBytes(StandardCharsets.US_ASCII);

    private GuestEnvironment() {
    }

    /**
     * The environment with {@code dir} appended to PATH (last, so it never shadows a command of
     * the caller's), unless PATH already lists it or there is no PATH (then the shell's default
     * search path applies, and the commands are reached by their full path).
     */
    static List<byte[]> withPathEntry(List<byte[]> environment, String dir) {
        if (dir == null) {
            return environment;
        }
        List<byte[]> result = new ArrayList<>(environment.size());
        for (byte[] entry : environment) {
            if (startsWith(entry, PATH_PREFIX)) {
                String path = new String(entry, PATH_PREFIX.length, entry.length - PATH_PREFIX.length, StandardCharsets.ISO_8859_1);
                if (!Arrays.asList(path.split(":", -1)).contains(dir)) {
                    entry = ("PATH=" + path + (path.isEmpty() ? "" : ":") + dir).getBytes(StandardCharsets.ISO_8859_1);
                }
            }
            result.add(entry);
        }
        return result;
    }

    private static boolean startsWith(byte[] entry, byte[] prefix) {
        return entry.length >= prefix.length && Arrays.equals(entry, 0, prefix.length, prefix, 0, prefix.length);
    }
}
