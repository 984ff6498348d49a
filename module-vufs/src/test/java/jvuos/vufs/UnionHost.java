package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFMT;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.vufs.UnionText.line;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import jvuos.vufs.UnionScenario.Entry;
import jvuos.vufs.UnionText.Seen;

/**
 * The union property test's own host calls, outside the module: building the initial trees of
 * A and B, reading layers back, cleaning up.
 */
final class UnionHost {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private UnionHost() {
    }

    static void build(Path root, List<Entry> entries) throws IOException {
        List<String> fifos = new ArrayList<>();
        for (Entry e : entries) {
            Path p = root.resolve(e.path());
            switch (e.type()) {
                case S_IFDIR -> Files.createDirectory(p);
                case S_IFREG -> Files.write(p, e.data());
                case S_IFLNK -> Files.createSymbolicLink(p, Path.of(e.target()));
                default -> fifos.add(p.toString());
            }
        }
        mkfifo(fifos);
        // Children before parents, so that nothing changes a directory after its own attributes are set.
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            Path p = root.resolve(e.path());
            if (e.uid() != (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW)) {
                Files.setAttribute(p, "unix:uid", e.uid(), NOFOLLOW);
            }
            if (e.gid() != (Integer) Files.getAttribute(p, "unix:gid", NOFOLLOW)) {
                Files.setAttribute(p, "unix:gid", e.gid(), NOFOLLOW);
            }
            if (e.type() != S_IFLNK) {
                Files.setPosixFilePermissions(p, permissions(e.perm()));
            }
            // Not on a fifo: Java sets times through an open, which would block on it.
            if (e.type() == S_IFREG || e.type() == S_IFDIR) {
                Files.setLastModifiedTime(p, FileTime.from(e.mtime(), TimeUnit.NANOSECONDS));
            }
        }
    }

    static void whiteouts(Path upper, List<String> paths) throws IOException {
        for (String path : paths) {
            Path w = upper.resolve(".-").resolve(path);
            Files.createDirectories(w.getParent());
            Files.createFile(w);
        }
    }

    /** Java has no mkfifo: one mkfifo(1) for all of a tree's. */
    private static void mkfifo(List<String> paths) throws IOException {
        if (paths.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("mkfifo", "--"));
        command.addAll(paths);
        try {
            int status = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (status != 0) {
                throw new IOException("mkfifo exited with " + status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static Set<PosixFilePermission> permissions(int perm) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ (0400) ... OTHERS_EXECUTE (0001)
        for (int i = 0; i < all.length; i++) {
            if ((perm & (0400 >> i)) != 0) {
                set.add(all[i]);
            }
        }
        return set;
    }

    /** Every file below root, symlinks not followed, with its mtime. */
    static Map<String, Seen> tree(Path root) throws IOException {
        Map<String, Seen> tree = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) {
                    add(dir);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                add(file);
                return FileVisitResult.CONTINUE;
            }

            private void add(Path p) throws IOException {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime", NOFOLLOW);
                int mode = (Integer) a.get("mode");
                byte[] content = (mode & S_IFMT) == S_IFREG ? Files.readAllBytes(p) : null;
                String target = (mode & S_IFMT) == S_IFLNK ? Files.readSymbolicLink(p).toString() : null;
                int uid = (Integer) a.get("uid");
                int gid = (Integer) a.get("gid");
                String line = line(mode, uid, gid, (Long) a.get("size"), content, target);
                long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
                tree.put(root.relativize(p).toString(), new Seen(line, mtime));
            }
        });
        return tree;
    }

    static void delete(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // never created
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
