package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFIFO;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.vufs.UnionText.join;
import static jvuos.vufs.UnionText.octal;
import static jvuos.vufs.UnionText.parentOf;
import static jvuos.vufs.UnionText.show;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import jvuos.module.Credentials;

/**
 * A reproducible case of the union property test: B's initial tree, A's (with whiteouts:
 * paths hidden through A's {@code .-}), and the operations. Entries whose parent is gone
 * (dropped while shrinking) are dropped too, and so are merge whiteouts outside A's
 * directories (see randomWhiteouts). {@link #generate} makes one from a seed.
 */
record UnionScenario(Mode mode, long seed, List<Entry> lower, List<Entry> upper, List<String> whiteouts, List<UnionOp> ops) {
    private static final int OPERATIONS = 30;
    /** The names of every tree and operation: few, so that they often meet. */
    static final String[] NAMES = {"a", "b", "c", "d"};

    /** The union modes under test, as vufs's mount option names them. */
    enum Mode {
        COW, MERGE, MINCOW;

        String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The user the test runs as: root can give files any owner and any mode and still use them. */
    record User(boolean root, List<Credentials> owners, int[] filePerms, int[] dirPerms) {
        static User of(Path dir) throws IOException {
            int uid = (Integer) Files.getAttribute(dir, "unix:uid");
            int gid = (Integer) Files.getAttribute(dir, "unix:gid");
            if (uid == 0) {
                return new User(true, List.of(new Credentials(0, 0), new Credentials(1000, 1000), new Credentials(1000, 0)),
                        new int[] {0644, 0600, 0755, 0444, 0666, 0640, 0777, 0000},
                        new int[] {0755, 0700, 0555, 0777, 0750, 0000});
            }
            // Another user keeps the owner's write and search bits, which it needs to use its files.
            return new User(false, List.of(new Credentials(uid, gid)), new int[] {0644, 0600, 0755, 0664},
                    new int[] {0755, 0700, 0775});
        }

        Credentials owner(Random random) {
            return owners.get(random.nextInt(owners.size()));
        }

        int filePerm(Random random) {
            return filePerms[random.nextInt(filePerms.length)];
        }

        int dirPerm(Random random) {
            return dirPerms[random.nextInt(dirPerms.length)];
        }
    }

    /** One file of an initial tree; a tree lists parents before their children. */
    record Entry(String path, int type, int perm, int uid, int gid, byte[] data, String target, long mtime) {
        @Override
        public String toString() {
            String owner = uid == 0 && gid == 0 ? "" : " " + uid + ":" + gid;
            return switch (type) {
                case S_IFDIR -> "dir " + path + " " + octal(perm) + owner;
                case S_IFREG -> "file " + path + " " + octal(perm) + owner + " " + show(data);
                case S_IFLNK -> "link " + path + " -> " + target + owner;
                default -> "fifo " + path + " " + octal(perm) + owner;
            };
        }
    }

    UnionScenario {
        lower = withParents(lower);
        upper = withParents(upper);
        Set<String> upperDirs = directories(upper);
        whiteouts = mode == Mode.MERGE ? whiteouts.stream().filter(w -> upperDirs.contains(parentOf(w))).toList() : whiteouts;
    }

    static UnionScenario generate(Mode mode, long seed, User user) {
        Random random = new Random(seed);
        List<Entry> lower = randomTree(random, 5 + random.nextInt(12), user);
        // cow also starts from a non-empty A half of the time: a reused A, with merged and opaque dirs.
        boolean upperToo = mode == Mode.MERGE || mode == Mode.COW && random.nextBoolean();
        List<Entry> upper = upperToo ? randomTree(random, 2 + random.nextInt(8), user) : List.of();
        upper = withoutDirectoriesOverFiles(upper, lower);
        List<String> whiteouts = upperToo ? randomWhiteouts(random, mode, lower, upper) : List.of();
        UnionScenario start = new UnionScenario(mode, seed, lower, upper, whiteouts, List.of());
        return start.withOps(new UnionGenerator(random, new UnionModel(start), user).operations(OPERATIONS));
    }

    int size() {
        return ops.size() + lower.size() + upper.size() + whiteouts.size();
    }

    UnionScenario withOps(List<UnionOp> o) {
        return new UnionScenario(mode, seed, lower, upper, whiteouts, o);
    }

    UnionScenario withLower(List<Entry> l) {
        return new UnionScenario(mode, seed, l, upper, whiteouts, ops);
    }

    UnionScenario withUpper(List<Entry> u) {
        return new UnionScenario(mode, seed, lower, u, whiteouts, ops);
    }

    UnionScenario withWhiteouts(List<String> w) {
        return new UnionScenario(mode, seed, lower, upper, w, ops);
    }

    private static List<Entry> withParents(List<Entry> entries) {
        Set<String> dirs = new TreeSet<>(List.of(""));
        List<Entry> kept = new ArrayList<>();
        for (Entry e : entries) {
            if (dirs.contains(parentOf(e.path()))) {
                kept.add(e);
                if (e.type() == S_IFDIR) {
                    dirs.add(e.path());
                }
            }
        }
        return List.copyOf(kept);
    }

    /**
     * A directory of A over a file of B (no whiteout) is neither "B's directory" nor one A
     * made in the view: whether cow may rename it (overlayfs does) or says EXDEV is not
     * specified, and view operations never make one (they whiteout B's file first).
     */
    private static List<Entry> withoutDirectoriesOverFiles(List<Entry> upper, List<Entry> lower) {
        Set<String> lowerFiles = lower.stream().filter(e -> e.type() != S_IFDIR).map(Entry::path).collect(Collectors.toSet());
        return upper.stream().filter(e -> e.type() != S_IFDIR || !lowerFiles.contains(e.path())).toList();
    }

    private static Set<String> directories(List<Entry> entries) {
        Set<String> dirs = new TreeSet<>(List.of(""));
        entries.stream().filter(e -> e.type() == S_IFDIR).forEach(e -> dirs.add(e.path()));
        return dirs;
    }

    /** A tree up to three levels deep over few names, so that A's and B's names often meet. */
    private static List<Entry> randomTree(Random random, int count, User user) {
        List<Entry> entries = new ArrayList<>();
        List<String> dirs = new ArrayList<>(List.of(""));
        Set<String> taken = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            String parent = dirs.get(random.nextInt(dirs.size()));
            String path = join(parent, NAMES[random.nextInt(NAMES.length)]);
            if (path.split("/").length > 3 || !taken.add(path)) {
                continue;
            }
            Credentials owner = user.owner(random);
            long mtime = randomTime(random);
            int kind = random.nextInt(100);
            Entry entry;
            if (kind < 35) {
                entry = new Entry(path, S_IFDIR, user.dirPerm(random), owner.uid(), owner.gid(), null, null, mtime);
                dirs.add(path);
            } else if (kind < 80) {
                byte[] data = randomData(random);
                entry = new Entry(path, S_IFREG, user.filePerm(random), owner.uid(), owner.gid(), data, null, mtime);
            } else if (kind < 92) {
                entry = new Entry(path, S_IFLNK, 0777, owner.uid(), owner.gid(), null, UnionGenerator.target(random), mtime);
            } else {
                entry = new Entry(path, S_IFIFO, user.filePerm(random), owner.uid(), owner.gid(), null, null, mtime);
            }
            entries.add(entry);
        }
        return entries;
    }

    /**
     * Up to three whiteouts: on B's entries, on A's directories (which they make opaque: B's
     * directory of that name shows nothing through them) and on a name B may lack; never
     * one below another (a whiteout is a file, so nothing can be below it). In merge only
     * below A's directories: a whiteout below a B-only directory would leave it looking
     * empty in the view while B still holds the hidden entry, and whether rmdir must then
     * remove what B hides is not specified.
     */
    private static List<String> randomWhiteouts(Random random, Mode mode, List<Entry> lower, List<Entry> upper) {
        List<String> candidates = new ArrayList<>(lower.stream().map(Entry::path).toList());
        upper.stream().filter(e -> e.type() == S_IFDIR).forEach(e -> candidates.add(e.path()));
        candidates.add(NAMES[random.nextInt(NAMES.length)]);
        if (mode == Mode.MERGE) {
            Set<String> upperDirs = directories(upper);
            candidates.removeIf(p -> !upperDirs.contains(parentOf(p)));
        }
        Set<String> chosen = new TreeSet<>();
        for (int n = random.nextInt(4); n > 0 && !candidates.isEmpty(); n--) {
            String w = candidates.remove(random.nextInt(candidates.size()));
            if (chosen.stream().noneMatch(c -> w.startsWith(c + "/") || c.startsWith(w + "/"))) {
                chosen.add(w);
            }
        }
        return List.copyOf(chosen);
    }

    static long randomTime(Random random) {
        return 1_400_000_000_000_000_000L + random.nextLong(300_000_000_000_000_000L);
    }

    /** Mostly short text, now and then a file longer than one copy buffer. */
    static byte[] randomData(Random random) {
        int w = random.nextInt(10);
        int length = w < 7 ? random.nextInt(13) : w < 9 ? 13 + random.nextInt(50) : 3000 + random.nextInt(9000);
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) ('a' + random.nextInt(26));
        }
        return data;
    }
}
