package jvuos.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jvuos.host.HostFiles;
import jvuos.ptrace.DirectCalls;
import jvuos.ptrace.Native;

/**
 * The kernel is the oracle: on random trees of directories, files and symlinks (relative,
 * absolute, dangling, looping), the resolver (with nothing mounted) must send every random
 * path to a host path on which stat behaves exactly as it does on the original path, and
 * name the file by its canonical path.
 */
class PathResolverPropertyTest {
    private static final int SYS_NEWFSTATAT = 262;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final String[] NAMES = {"a", "b", "c", "d"};

    @TempDir
    Path scratch;

    private final Pointer stat = Memory.allocateDirect(Native.runtime(), 144);
    private final PathResolver resolver = new PathResolver(new MountTable(), new HostFiles(), link -> null);

    @Test
    void resolutionAgreesWithTheKernel() throws IOException {
        long seed = Long.getLong("jvuos.seed", System.nanoTime());
        Random random = new Random(seed);
        int checked = 0;
        for (int tree = 0; tree < 25; tree++) {
            Path root = Files.createDirectories(scratch.resolve("t" + tree)).toRealPath();
            List<String> made = new ArrayList<>();
            List<String> dirs = build(random, root.toString(), made);
            for (int i = 0; i < 200; i++) {
                String start = dirs.get(random.nextInt(dirs.size()));
                String path = randomPath(random, root.toString());
                boolean follow = random.nextBoolean();
                check(seed, made, start, path, follow);
                checked++;
            }
        }
        assertEquals(25 * 200, checked);
    }

    private void check(long seed, List<String> tree, String start, String path, boolean follow) {
        String absolute = path.startsWith("/") ? path : start + "/" + path;
        String what = "seed " + seed + ", start " + start + ", path " + path + ", follow " + follow + ", tree " + tree;
        long[] kernel = stat(absolute, follow);
        Resolution r = resolver.resolve(path, start, follow, 1, 1);
        if (r.failed()) {
            if (kernel[0] != -r.errno()) {
                fail("resolver says errno " + r.errno() + ", kernel " + kernel[0] + ": " + what);
            }
            return;
        }
        long[] viaResolution = stat(r.hostPath(), follow);
        assertEquals(kernel[0], viaResolution[0], "stat result differs through " + r.hostPath() + ": " + what);
        if (kernel[0] == 0) {
            assertEquals(kernel[1], viaResolution[1], "another file (inode) through " + r.hostPath() + ": " + what);
            assertEquals(canonical(absolute, follow), r.path(), what);
        }
    }

    /** {0, inode} or {-errno}. */
    private long[] stat(String path, boolean follow) {
        byte[] bytes = HostFiles.bytes(path);
        Pointer p = Memory.allocateDirect(Native.runtime(), bytes.length);
        p.put(0, bytes, 0, bytes.length);
        long rc = DirectCalls.syscall(SYS_NEWFSTATAT, HostFiles.AT_FDCWD, p.address(), stat.address(),
                follow ? 0 : AT_SYMLINK_NOFOLLOW);
        return rc < 0 ? new long[] {-DirectCalls.errno()} : new long[] {0, stat.getLong(8)};
    }

    private static String canonical(String path, boolean follow) {
        try {
            Path p = Path.of(path);
            if (follow || PathNames.endsAsDirectory(path) || p.getFileName() == null) {
                return p.toRealPath().toString();
            }
            String name = p.getFileName().toString();
            Path parent = p.getParent().toRealPath();
            return PathNames.child(parent.toString(), name);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Fills {@code made} with a description of the tree; returns its directories. */
    private static List<String> build(Random random, String root, List<String> made) throws IOException {
        List<String> dirs = new ArrayList<>(List.of(root));
        for (int i = 0; i < 14; i++) {
            String dir = dirs.get(random.nextInt(dirs.size()));
            Path p = Path.of(dir, NAMES[random.nextInt(NAMES.length)]);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            switch (random.nextInt(4)) {
                case 0 -> {
                    Files.createDirectory(p);
                    dirs.add(p.toString());
                    made.add(p + "/");
                }
                case 1 -> {
                    Files.writeString(p, "x");
                    made.add(p.toString());
                }
                default -> {
                    String target = random.nextInt(3) == 0 ? randomPath(random, root) : relativeTarget(random);
                    Files.createSymbolicLink(p, Path.of(target));
                    made.add(p + " -> " + target);
                }
            }
        }
        return dirs;
    }

    private static String relativeTarget(Random random) {
        StringBuilder t = new StringBuilder();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                t.append('/');
            }
            int k = random.nextInt(7);
            t.append(k < 4 ? NAMES[k] : k < 6 ? ".." : ".");
        }
        return t.toString();
    }

    private static String randomPath(Random random, String root) {
        StringBuilder p = new StringBuilder(random.nextBoolean() ? root + "/" : "");
        int n = 1 + random.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                p.append(random.nextInt(8) == 0 ? "//" : "/");
            }
            int k = random.nextInt(8);
            p.append(k < 4 ? NAMES[k] : k < 6 ? ".." : k == 6 ? "." : NAMES[0]);
        }
        if (random.nextInt(6) == 0) {
            p.append('/');
        }
        return p.toString();
    }
}
