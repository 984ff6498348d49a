package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a program natively or under bin/umvu and captures what it did. */
record Run(String stdout, String stderr, int status) {
    static final Path ROOT = Path.of(System.getProperty("jvuos.root", ".")).toAbsolutePath().normalize();
    static final Path UMVU = ROOT.resolve("bin/umvu");
    private static final long TIMEOUT_SECONDS = 300;

    /**
     * Where each process of a run that hangs is: its command, how many seccomp filters it has,
     * and for each of its threads its state, the syscall it is in and the kernel function it
     * waits in; and the Java stacks of umvu.
     */
    private static String whereStuck(Process p) {
        StringBuilder where = new StringBuilder();
        Stream.concat(Stream.of(p.toHandle()), p.descendants()).forEach(h -> {
            Path proc = Path.of("/proc", String.valueOf(h.pid()));
            where.append(h.pid()).append(' ').append(h.info().commandLine().orElse("?")).append(" | ")
                    .append(procStatusLine(proc.resolve("status"), "Seccomp_filters:")).append('\n');
            try (Stream<Path> threads = Files.list(proc.resolve("task"))) {
                threads.sorted().forEach(t -> where.append("  ").append(t.getFileName()).append(": ")
                        .append(procLine(t.resolve("stat"))).append(" | syscall ").append(procLine(t.resolve("syscall")))
                        .append(" | wchan ").append(procLine(t.resolve("wchan"))).append('\n'));
            } catch (IOException e) {
                where.append("  (gone)\n");
            }
            h.info().command().filter(c -> c.endsWith("/java")).ifPresent(java -> where.append(threadDump(java, h.pid())));
        });
        return where.toString();
    }

    /** The Java threads' stacks of a JVM (umvu's: where its tracer thread is), by the jcmd beside its java. */
    private static String threadDump(String java, long pid) {
        try {
            Path dump = Files.createTempFile("umvu-threads", ".txt");
            Process jcmd = new ProcessBuilder(java.substring(0, java.length() - "java".length()) + "jcmd",
                    String.valueOf(pid), "Thread.print").redirectErrorStream(true).redirectOutput(dump.toFile()).start();
            if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
            }
            String threads = Files.readString(dump);
            Files.delete(dump);
            return threads;
        } catch (IOException e) {
            return "(no thread dump: " + e + ")\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(no thread dump: interrupted)\n";
        }
    }

    private static String procStatusLine(Path status, String key) {
        try (Stream<String> lines = Files.lines(status)) {
            return lines.filter(l -> l.startsWith(key)).findFirst().orElse(key + " ?").replace('\t', ' ');
        } catch (IOException | UncheckedIOException e) {
            return key + " ?";
        }
    }

    private static String procLine(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Runs {@code command} in {@code dir} with {@code stdin} as input. */
    static Run of(Path dir, String stdin, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The program exited without reading all its input; so be it.
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                String where = whereStuck(p);
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command + "\n" + where);
            }
            return new Run(new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8),
                    p.exitValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code umvu OPTIONS... CMD...}. */
    static Run umvu(Path dir, String stdin, List<String> umvuOptions, List<String> command) {
        List<String> full = new ArrayList<>();
        full.add(UMVU.toString());
        full.addAll(umvuOptions);
        full.addAll(command);
        return of(dir, stdin, full);
    }

    /**
     * Runs {@code bash -c script} natively, then under umvu (with {@code umvuOptions}), each time in
     * a freshly made {@code dir}, and asserts that stdout, stderr and exit status are the same.
     *
     * @return the native run, for further checks
     */
    static Run assertTransparent(Path dir, String script, String stdin, List<String> umvuOptions) {
        List<String> command = List.of("bash", "-c", script);
        Run natively = of(fresh(dir), stdin, command);
        Run traced = umvu(fresh(dir), stdin, umvuOptions, command);
        assertEquals(natively.stdout, traced.stdout, "stdout differs under umvu");
        assertEquals(natively.stderr, traced.stderr, "stderr differs under umvu");
        assertEquals(natively.status, traced.status, "exit status differs under umvu");
        return natively;
    }

    static Path fresh(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String resource(String name) {
        try (InputStream in = Run.class.getResourceAsStream(name)) {
            assertTrue(in != null, "missing test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the test resource {@code name} into {@code dir}, under the same name: the script's path. */
    static Path resourceIn(Path dir, String name) {
        try {
            return Files.writeString(dir.resolve(name), resource(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream b = new ByteArrayOutputStream()) {
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
