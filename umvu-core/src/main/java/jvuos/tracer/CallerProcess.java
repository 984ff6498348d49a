package jvuos.tracer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * What the caller of umvu handed to this process, read back from /proc so that the guest can
 * get exactly the same: raw argument and environment bytes in their original order, and the
 * signal state that the JVM itself has since changed.
 */
public final class CallerProcess {
    private static final Path SELF = Path.of("/proc/self");
    static final String CALLER_ENVIRON = "JVUOS_CALLER_ENVIRON";
    static final String IGNORED_PROPERTY = "jvuos.ignoredSignals";
    static final String BLOCKED_PROPERTY = "jvuos.blockedSignals";

    private CallerProcess() {
    }

    /**
     * The last {@code count} command-line arguments as raw bytes (the arguments of main come
     * last on the JVM's command line).
     */
    public static List<byte[]> lastArguments(int count) {
        List<byte[]> all = splitNul(read(SELF.resolve("cmdline")));
        return all.subList(all.size() - count, all.size());
    }

    /**
     * The caller's environment, entries in their original order: as bin/umvu passed it in
     * {@value #CALLER_ENVIRON} (base64 of its own /proc/PID/environ), else as this process got it.
     */
    public static List<byte[]> environment() {
        String passed = System.getenv(CALLER_ENVIRON);
        return splitNul(passed != null ? Base64.getDecoder().decode(passed) : read(SELF.resolve("environ")));
    }

    /**
     * Signals the caller ignored: as bin/umvu read them from its own /proc status (hex) into the
     * system property {@value #IGNORED_PROPERTY}, else this process's (glibc's start-up changes
     * those of signals 32 and 33).
     */
    public static long ignoredSignals() {
        return mask(IGNORED_PROPERTY, SELF.resolve("status"), "SigIgn:");
    }

    /**
     * Signals the caller blocked: from {@value #BLOCKED_PROPERTY}, else the mask of this process's
     * primordial thread, which the java launcher leaves as inherited while the JVM runs elsewhere.
     */
    public static long blockedSignals() {
        long pid = ProcessHandle.current().pid();
        return mask(BLOCKED_PROPERTY, SELF.resolve("task").resolve(Long.toString(pid)).resolve("status"), "SigBlk:");
    }

    private static long mask(String property, Path status, String field) {
        String passed = System.getProperty(property, "");
        return passed.isBlank() ? statusMask(status, field) : Long.parseUnsignedLong(passed.trim(), 16);
    }

    private static long statusMask(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith(field)) {
                    return Long.parseUnsignedLong(line.substring(field.length()).trim(), 16);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<byte[]> splitNul(byte[] data) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                parts.add(Arrays.copyOfRange(data, start, i));
                start = i + 1;
            }
        }
        if (start < data.length) {
            parts.add(Arrays.copyOfRange(data, start, data.length));
        }
        return parts;
    }
}
