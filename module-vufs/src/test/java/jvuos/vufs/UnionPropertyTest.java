package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFIFO;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFMT;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.module.ServedFileSystem.OMIT;
import static jvuos.module.ServedFileSystem.O_DIRECTORY;
import static jvuos.module.ServedFileSystem.O_RDONLY;
import static jvuos.module.ServedFileSystem.O_RDWR;
import static jvuos.module.ServedFileSystem.O_TRUNC;
import static jvuos.module.ServedFileSystem.O_WRONLY;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.MountRequest;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * Random operation sequences on vufs's union modes, each checked against an in-memory model of
 * what the view must show (the union semantics of issue 4):
 * <ul>
 * <li>cow: the view is a plain writable file system whose initial content is the union of A
 *     over B, except that renaming a directory B holds fails with EXDEV (overlayfs without
 *     redirect_dir); B is byte-identical afterwards;
 * <li>merge: A is read-only over a writable B: changing, removing or renaming an entry of A
 *     fails with EROFS, and new entries go to B, which must hold their parent directory and
 *     not have the name whited out by A (EROFS otherwise); A is byte-identical afterwards;
 * <li>mincow, as root only: B never refuses root, so every change goes straight to B, nothing
 *     is copied up, and B on the host ends up as the view shows it.
 * </ul>
 * The driver plays the hypervisor: it resolves every path with lstat, one component at a time
 * (the module must agree with the model at each), answers itself what the kernel answers
 * before a file system is asked (EEXIST, ENOENT, ENOTDIR, EISDIR...), and calls the module
 * only for what passes. Where several errors apply at once, any of them is accepted: which
 * one wins is the order of the checks, which neither the kernel nor the spec promises here.
 * After each sequence the whole view is compared with the model, then again after a remount
 * (which must find everything in A's on-disk format).
 *
 * <p>A failing sequence is shrunk (operations, initial entries and whiteouts dropped while it
 * still fails the same way) and reported with its seed and a trace of what the model and the
 * module said at each step. Fixed seeds 1..{@value #SEQUENCES} run per mode;
 * {@code -Djvuos.union.seeds=N} adds N random seeds, {@code -Djvuos.union.seed=S} runs only S.
 */
class UnionPropertyTest {
    private static final int SEQUENCES = 300;
    private static final int OPERATIONS = 30;
    /** Distinct failures reported per mode: enough to see several bugs, few enough to read. */
    private static final int MAX_REPORTS = 6;
    /** Replays one shrink may spend; each costs a few milliseconds. */
    private static final int SHRINK_BUDGET = 800;
    private static final int RENAME_NOREPLACE = 1;
    private static final String OK = "ok";
    private static final String[] NAMES = {"a", "b", "c", "d"};

    @TempDir
    Path scratch;

    private int runs;

    @Test
    void cowIsAPlainFileSystemOverAnUntouchedB() throws IOException {
        check(Mode.COW);
    }

    @Test
    void mergeChangesOnlyB() throws IOException {
        check(Mode.MERGE);
    }

    /** As another user B may refuse, and mincow then copies up: the model only knows root's case. */
    @Test
    void mincowAsRootWritesStraightToB() throws IOException {
        assumeTrue(User.of(scratch).root(), "mincow's model assumes B never refuses: root only");
        check(Mode.MINCOW);
    }

    enum Mode {
        COW, MERGE, MINCOW;

        String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private void check(Mode mode) throws IOException {
        User user = User.of(scratch);
        probeMount(mode);
        Map<String, String> reports = new LinkedHashMap<>();
        for (long seed : seeds()) {
            Scenario scenario = Scenario.generate(mode, seed, user);
            Failure failure = run(scenario);
            if (failure == null || reports.containsKey(failure.signature())) {
                continue;
            }
            reports.put(failure.signature(), report(scenario, shrink(scenario, failure.signature())));
            if (reports.size() == MAX_REPORTS) {
                break;
            }
        }
        if (!reports.isEmpty()) {
            fail(reports.size() + " distinct failure(s) in mode " + mode.option() + ":\n\n"
                    + String.join("\n\n", reports.values()));
        }
    }

    /** A mode the module refuses outright fails once, plainly, rather than once per seed. */
    private void probeMount(Mode mode) throws IOException {
        Path dir = scratch.resolve("probe-" + mode.option());
        Path upper = Files.createDirectories(dir.resolve("A"));
        Path lower = Files.createDirectories(dir.resolve("B"));
        try {
            Run.mount(upper, lower, mode).unmount(false);
        } catch (VuException e) {
            fail("vufs refuses -o " + mode.option() + ": " + errnoName(e.errno()) + " (" + e.getMessage() + ")");
        }
    }

    private static List<Long> seeds() {
        Long only = Long.getLong("jvuos.union.seed");
        if (only != null) {
            return List.of(only);
        }
        List<Long> seeds = new ArrayList<>();
        for (long seed = 1; seed <= SEQUENCES; seed++) {
            seeds.add(seed);
        }
        Random random = new Random();
        for (int i = Integer.getInteger("jvuos.union.seeds", 0); i > 0; i--) {
            seeds.add(random.nextLong());
        }
        return seeds;
    }

    private Failure run(Scenario scenario) {
        return new Run(scenario, scratch.resolve("run" + runs++)).execute();
    }

    // ---------------------------------------------------------------- shrinking and reporting

    /** Drops operations, then initial entries and whiteouts, while the scenario still fails the same way. */
    private Scenario shrink(Scenario scenario, String signature) {
        int[] budget = {SHRINK_BUDGET};
        Predicate<Scenario> fails = s -> {
            if (budget[0]-- <= 0) {
                return false;
            }
            Failure f = run(s);
            return f != null && f.signature().equals(signature);
        };
        Scenario s = scenario;
        for (int size = Integer.MAX_VALUE; s.size() < size; ) {
            size = s.size();
            s = shrinkPart(s, Scenario::ops, Scenario::withOps, fails);
            s = shrinkPart(s, Scenario::lower, Scenario::withLower, fails);
            s = shrinkPart(s, Scenario::upper, Scenario::withUpper, fails);
            s = shrinkPart(s, Scenario::whiteouts, Scenario::withWhiteouts, fails);
        }
        return s;
    }

    private static <T> Scenario shrinkPart(Scenario s, Function<Scenario, List<T>> part,
            BiFunction<Scenario, List<T>, Scenario> with, Predicate<Scenario> fails) {
        return with.apply(s, smaller(part.apply(s), items -> fails.test(with.apply(s, items))));
    }

    /** Delta debugging: removes chunks of halving size, keeping every removal after which the case still fails. */
    static <T> List<T> smaller(List<T> items, Predicate<List<T>> fails) {
        for (int chunk = Math.max(1, items.size() / 2); chunk > 0; chunk /= 2) {
            for (int start = 0; start < items.size(); ) {
                List<T> candidate = new ArrayList<>(items.subList(0, start));
                candidate.addAll(items.subList(Math.min(items.size(), start + chunk), items.size()));
                if (fails.test(candidate)) {
                    items = candidate;
                } else {
                    start += chunk;
                }
            }
        }
        return items;
    }

    /** The shrunk case replayed once more, with what the model and the module said at each step. */
    private String report(Scenario original, Scenario shrunk) {
        Run replay = new Run(shrunk, scratch.resolve("run" + runs++));
        Failure failure = replay.execute();
        StringBuilder out = new StringBuilder();
        out.append("mode ").append(shrunk.mode().option()).append(", seed ").append(shrunk.seed()).append(": ");
        out.append(failure == null ? "(the shrunk case passes when replayed: flaky?)" : failure.detail()).append('\n');
        out.append("  shrunk from ").append(original.ops().size()).append(" operations to ").append(shrunk.ops().size());
        out.append(" (rerun the unshrunk sequence with -Djvuos.union.seed=").append(shrunk.seed()).append(")\n");
        out.append("  B: ").append(shrunk.lower().isEmpty() ? "empty" : shrunk.lower()).append('\n');
        if (!shrunk.upper().isEmpty() || !shrunk.whiteouts().isEmpty()) {
            out.append("  A: ").append(shrunk.upper().isEmpty() ? "empty" : shrunk.upper());
            out.append(", whiteouts ").append(shrunk.whiteouts()).append('\n');
        }
        for (String line : replay.trace) {
            out.append("  ").append(line).append('\n');
        }
        return out.toString();
    }

    /** @param signature what went wrong, coarse enough to stay the same while the case shrinks */
    record Failure(String signature, String detail) {
    }

    // ---------------------------------------------------------------- scenarios

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

    /**
     * A reproducible case: B's initial tree, A's (with whiteouts: paths hidden through A's
     * {@code .-}), and the operations. Entries whose parent is gone (dropped while shrinking)
     * are dropped too, and so are merge whiteouts outside A's directories (see randomWhiteouts).
     */
    record Scenario(Mode mode, long seed, List<Entry> lower, List<Entry> upper, List<String> whiteouts, List<Op> ops) {
        Scenario {
            lower = withParents(lower);
            upper = withParents(upper);
            Set<String> upperDirs = directories(upper);
            whiteouts = mode == Mode.MERGE ? whiteouts.stream().filter(w -> upperDirs.contains(parentOf(w))).toList() : whiteouts;
        }

        static Scenario generate(Mode mode, long seed, User user) {
            Random random = new Random(seed);
            List<Entry> lower = randomTree(random, 5 + random.nextInt(12), user);
            // cow also starts from a non-empty A half of the time: a reused A, with merged and opaque dirs.
            boolean upperToo = mode == Mode.MERGE || mode == Mode.COW && random.nextBoolean();
            List<Entry> upper = upperToo ? randomTree(random, 2 + random.nextInt(8), user) : List.of();
            upper = withoutDirectoriesOverFiles(upper, lower);
            List<String> whiteouts = upperToo ? randomWhiteouts(random, mode, lower, upper) : List.of();
            Scenario start = new Scenario(mode, seed, lower, upper, whiteouts, List.of());
            return start.withOps(new Generator(random, new Model(start), user).operations(OPERATIONS));
        }

        int size() {
            return ops.size() + lower.size() + upper.size() + whiteouts.size();
        }

        Scenario withOps(List<Op> o) {
            return new Scenario(mode, seed, lower, upper, whiteouts, o);
        }

        Scenario withLower(List<Entry> l) {
            return new Scenario(mode, seed, l, upper, whiteouts, ops);
        }

        Scenario withUpper(List<Entry> u) {
            return new Scenario(mode, seed, lower, u, whiteouts, ops);
        }

        Scenario withWhiteouts(List<String> w) {
            return new Scenario(mode, seed, lower, upper, w, ops);
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
                    entry = new Entry(path, S_IFLNK, 0777, owner.uid(), owner.gid(), null, Generator.target(random), mtime);
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
    }

    // ---------------------------------------------------------------- operation generation

    /** Chooses each operation from the model's state at that point, so that most name existing files. */
    static final class Generator {
        private static final String[] TARGETS = {"a", "b/c", "../a", "/etc/hostname", "nowhere", "."};
        private final Random random;
        private final Model model;
        private final User user;
        private int nextFd;

        Generator(Random random, Model model, User user) {
            this.random = random;
            this.model = model;
            this.user = user;
        }

        static String target(Random random) {
            return TARGETS[random.nextInt(TARGETS.length)];
        }

        List<Op> operations(int count) {
            List<Op> ops = new ArrayList<>();
            // A read-only fd held from the start on a file of B is open across that file's
            // copy-up; its reads then show whether it follows the copy, as overlayfs's do.
            if (random.nextInt(3) == 0) {
                add(ops, new Open(nextFd++, existing(n -> n.type == S_IFREG && n.lower), O_RDONLY, false));
            }
            while (ops.size() < count) {
                add(ops, next());
            }
            return ops;
        }

        private void add(List<Op> ops, Op op) {
            op.model(model);
            ops.add(op);
        }

        private Op next() {
            int w = random.nextInt(100);
            if (w < 9) {
                return new Create(creatable(), user.filePerm(random), user.owner(random));
            } else if (w < 16) {
                return new Mkdir(creatable(), user.dirPerm(random), user.owner(random));
            } else if (w < 19) {
                return new Symlink(target(random), creatable(), user.owner(random));
            } else if (w < 21) {
                return new Mkfifo(creatable(), user.filePerm(random), user.owner(random));
            } else if (w < 28) {
                return new Unlink(existing(n -> n.type != S_IFDIR));
            } else if (w < 34) {
                return new Rmdir(existing(n -> n.type == S_IFDIR));
            } else if (w < 45) {
                return rename();
            } else if (w < 49) {
                return new Link(existing(n -> n.type != S_IFDIR), creatable());
            } else if (w < 54) {
                return chmod();
            } else if (w < 57 && user.root()) {
                return new Chown(existing(n -> true), pick(-1, 0, 1000, 1001), pick(-1, 0, 1000));
            } else if (w < 61) {
                return new Truncate(existing(n -> n.type == S_IFREG), random.nextInt(20));
            } else if (w < 65) {
                return utimens();
            } else if (w < 75) {
                return open();
            } else if (w < 90) {
                return fdOperation();
            } else if (w < 94) {
                return new ListDir(directory());
            } else if (w < 98) {
                // .- at the root is vufs's own: the view must not show it.
                return new Stat(random.nextInt(8) == 0 ? ".-" : anyPath());
            }
            return new Remount();
        }

        private Op rename() {
            String from = random.nextInt(10) < 8 ? existing(n -> true) : anyPath();
            Node node = model.lookup(from).node();
            int w = random.nextInt(100);
            String to;
            if (w < 10 && node != null && node.type == S_IFDIR) {
                to = join(from, name()); // into its own subtree: EINVAL
            } else if (w < 55) {
                to = creatable();
            } else if (w < 90) {
                to = existing(n -> true);
            } else {
                to = anyPath();
            }
            if (to.equals(from)) {
                to = creatable();
            }
            return new Rename(from, to, random.nextInt(6) == 0 ? RENAME_NOREPLACE : 0);
        }

        private Op chmod() {
            String path = existing(n -> n.type != S_IFLNK);
            Node node = model.lookup(path).node();
            boolean dir = node != null && node.type == S_IFDIR;
            // The sticky bit on directories: 07777 is the module's to keep, not just 0777.
            int perm = dir && random.nextInt(5) == 0 ? 01777 : dir ? user.dirPerm(random) : user.filePerm(random);
            return new Chmod(path, perm);
        }

        private Op utimens() {
            long atime = random.nextInt(4) == 0 ? OMIT : randomTime(random);
            long mtime = random.nextInt(4) == 0 ? OMIT : randomTime(random);
            return new Utimens(existing(n -> true), atime, mtime);
        }

        private Op open() {
            String path = null;
            if (!model.fds.isEmpty() && random.nextInt(3) == 0) {
                path = pathOf(model.fds.get(anyFd()).node());
            }
            if (path == null) {
                path = existing(n -> n.type == S_IFREG);
            }
            int access = pick(O_RDONLY, O_RDONLY, O_WRONLY, O_RDWR, O_RDWR);
            boolean truncate = access != O_RDONLY && random.nextInt(6) == 0;
            return new Open(nextFd++, path, access, truncate);
        }

        private Op fdOperation() {
            if (model.fds.isEmpty()) {
                return open();
            }
            int fd = anyFd();
            Handle handle = model.fds.get(fd);
            int size = handle.node().data.length;
            int w = random.nextInt(10);
            if (w < 4 && handle.access() != O_WRONLY) {
                return new Read(fd, random.nextInt(size + 2), 1 + random.nextInt(size + 8));
            } else if (w < 9 && handle.access() != O_RDONLY) {
                return new Write(fd, random.nextInt(3) == 0 ? -1 : random.nextInt(size + 3), randomData(random));
            }
            return new Close(fd);
        }

        private int anyFd() {
            List<Integer> fds = new ArrayList<>(model.fds.keySet());
            return fds.get(random.nextInt(fds.size()));
        }

        private String pathOf(Node node) {
            return pathsOf(n -> n == node).stream().findFirst().orElse(null);
        }

        private List<String> pathsOf(Predicate<Node> match) {
            return model.paths().entrySet().stream().filter(e -> match.test(e.getValue())).map(Map.Entry::getKey).toList();
        }

        /** An existing path whose file matches, else any path. */
        private String existing(Predicate<Node> match) {
            List<String> paths = pathsOf(match);
            return paths.isEmpty() ? anyPath() : paths.get(random.nextInt(paths.size()));
        }

        /** An existing directory, the root now and then. */
        private String directory() {
            List<String> dirs = pathsOf(n -> n.type == S_IFDIR);
            return dirs.isEmpty() || random.nextInt(4) == 0 ? "" : dirs.get(random.nextInt(dirs.size()));
        }

        /** Mostly a name an existing directory lacks. */
        private String creatable() {
            if (random.nextInt(5) == 0) {
                return anyPath();
            }
            String dir = directory();
            Node node = model.lookup(dir).node();
            List<String> free = Arrays.stream(NAMES).filter(n -> !node.children.containsKey(n)).toList();
            return join(dir, free.isEmpty() || random.nextInt(5) == 0 ? name() : free.get(random.nextInt(free.size())));
        }

        /** Existing, new, or through missing directories (ENOENT) and files (ENOTDIR). */
        private String anyPath() {
            int w = random.nextInt(100);
            if (w < 45 && !model.paths().isEmpty()) {
                List<String> paths = new ArrayList<>(model.paths().keySet());
                return paths.get(random.nextInt(paths.size()));
            } else if (w < 85) {
                return join(directory(), name());
            }
            String path = name();
            for (int depth = random.nextInt(3); depth > 0; depth--) {
                path = join(path, name());
            }
            return path;
        }

        private String name() {
            return NAMES[random.nextInt(NAMES.length)];
        }

        private int pick(int... choices) {
            return choices[random.nextInt(choices.length)];
        }
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

    // ---------------------------------------------------------------- the model

    /**
     * A file of the model; a hard link is the same Node under two names. {@code upper} and
     * {@code lower} say which layers hold the file, where that matters: merge refuses to change
     * an entry of A (upper) and creates only in a directory B holds (lower, visible: not
     * whited out); cow refuses to rename a directory B holds. A directory both hold is merged;
     * one that A holds over a whiteout or over a file of B is A's alone (opaque).
     */
    static final class Node {
        final int type;
        int perm;
        int uid;
        int gid;
        byte[] data = new byte[0];
        String target;
        final TreeMap<String, Node> children = new TreeMap<>();
        /** Null where the model does not know it: after a write, and for directories (see Utimens). */
        Long mtime;
        boolean upper;
        boolean lower;

        Node(int type, int perm, int uid, int gid) {
            this.type = type;
            this.perm = perm;
            this.uid = uid;
            this.gid = gid;
        }

        static Node tree(List<Entry> entries, boolean upper) {
            Node root = new Node(S_IFDIR, 0755, 0, 0);
            root.upper = upper;
            root.lower = !upper;
            for (Entry e : entries) {
                Node n = new Node(e.type(), e.perm(), e.uid(), e.gid());
                n.upper = upper;
                n.lower = !upper;
                n.data = e.data() == null ? new byte[0] : e.data().clone(); // writes must not reach the scenario
                n.target = e.target();
                n.mtime = e.type() == S_IFREG ? e.mtime() : null; // Host.build sets only those of files
                Node parent = root;
                String[] parts = e.path().split("/");
                for (int i = 0; i < parts.length - 1; i++) {
                    parent = parent.children.get(parts[i]);
                }
                parent.children.put(parts[parts.length - 1], n);
            }
            return root;
        }

        long size() {
            return type == S_IFREG ? data.length : type == S_IFLNK ? target.length() : 0;
        }

        void truncate(long length) {
            data = Arrays.copyOf(data, (int) length);
            mtime = null; // now, which the model does not know
        }

        /** An empty write changes nothing, not even the size, as pwrite(2) of 0 bytes. */
        void write(long offset, byte[] bytes) {
            if (bytes.length == 0) {
                return;
            }
            if (offset + bytes.length > data.length) {
                data = Arrays.copyOf(data, (int) offset + bytes.length);
            }
            System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
            mtime = null;
        }

        Seen seen(boolean withContent) {
            return new Seen(line(type | perm, uid, gid, size(), withContent && type == S_IFREG ? data : null, target), mtime);
        }
    }

    /** An open file of the model. */
    record Handle(Node node, int access) {
    }

    /**
     * What the model says a step does: the hypervisor answers it (the module is not called,
     * {@code value} says why), or the module fails with one of {@code errnos}, or it succeeds
     * with {@code value}.
     */
    record Expect(boolean callsModule, Set<Integer> errnos, String value) {
        static Expect hypervisor(String why) {
            return new Expect(false, Set.of(), why);
        }

        static Expect hypervisor(int errno) {
            return hypervisor(errnoName(errno));
        }

        static Expect fails(Set<Integer> errnos) {
            return new Expect(true, Set.copyOf(errnos), null);
        }

        static Expect fails(int errno) {
            return fails(Set.of(errno));
        }

        static Expect ok() {
            return ok(OK);
        }

        static Expect ok(String value) {
            return new Expect(true, Set.of(), value);
        }

        boolean succeeds() {
            return callsModule && errnos.isEmpty();
        }

        boolean accepts(int errno, String got) {
            return errnos.isEmpty() ? errno == 0 && value.equals(got) : errnos.contains(errno);
        }

        /** Without the value, which changes as a case shrinks. */
        String outcome() {
            return succeeds() ? "success" : errnos.stream().map(UnionPropertyTest::errnoName).collect(Collectors.joining(" or "));
        }

        @Override
        public String toString() {
            return !callsModule ? "hypervisor: " + value : succeeds() ? value : outcome();
        }
    }

    /**
     * The view the union must show, as a plain file system, and the rules of the mode. Every
     * operation returns what it expects and, when the module is to succeed, has already made
     * its change.
     */
    static final class Model {
        private static final int FOLLOWS = -1;
        final Mode mode;
        final Node root;
        final Set<String> whiteouts;
        final Map<Integer, Handle> fds = new TreeMap<>();

        Model(Scenario scenario) {
            mode = scenario.mode();
            whiteouts = new TreeSet<>(scenario.whiteouts());
            root = overlay(Node.tree(scenario.upper(), true), Node.tree(scenario.lower(), false), "");
        }

        /** The union at a path: A's entry wins, B's shows where A has none and no whiteout hides it, two directories merge. */
        private Node overlay(Node upper, Node lower, String path) {
            Node below = whiteouts.contains(path) ? null : lower;
            Node top = upper != null ? upper : below;
            if (top == null || top.type != S_IFDIR) {
                return top;
            }
            Node merged = upper != null && below != null && below.type == S_IFDIR ? below : null;
            if (upper != null) {
                top.lower = merged != null;
            }
            Set<String> names = new TreeSet<>(top.children.keySet());
            if (merged != null) {
                names.addAll(merged.children.keySet());
            }
            for (String name : names) {
                String p = join(path, name);
                Node child = upper == null ? overlay(null, top.children.get(name), p)
                        : overlay(upper.children.get(name), merged == null ? null : merged.children.get(name), p);
                if (child == null) {
                    top.children.remove(name);
                } else {
                    top.children.put(name, child);
                }
            }
            return top;
        }

        /** The hypervisor's lookup of a path: the parent directory and the entry (null when missing), or why it stops. */
        record Lookup(Node parent, String name, Node node, int stop) {
            Expect stopped() {
                return Expect.hypervisor(stop == FOLLOWS ? "symlink on the path, not modelled" : errnoName(stop));
            }
        }

        Lookup lookup(String path) {
            if (path.isEmpty()) {
                return new Lookup(null, "", root, 0);
            }
            Node dir = root;
            String[] parts = path.split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                Node next = dir.children.get(parts[i]);
                int stop = next == null ? Errno.ENOENT
                        : next.type == S_IFLNK ? FOLLOWS : next.type != S_IFDIR ? Errno.ENOTDIR : 0;
                if (stop != 0) {
                    return new Lookup(null, null, null, stop);
                }
                dir = next;
            }
            String name = parts[parts.length - 1];
            return new Lookup(dir, name, dir.children.get(name), 0);
        }

        /** Every path of the view but the root, with its file. */
        Map<String, Node> paths() {
            Map<String, Node> paths = new TreeMap<>();
            collect(root, "", paths);
            return paths;
        }

        private static void collect(Node dir, String path, Map<String, Node> paths) {
            dir.children.forEach((name, child) -> {
                String p = join(path, name);
                paths.put(p, child);
                if (child.type == S_IFDIR) {
                    collect(child, p, paths);
                }
            });
        }

        /** The view as the final checks see it. */
        Map<String, Seen> tree() {
            Map<String, Seen> tree = new TreeMap<>();
            paths().forEach((path, node) -> tree.put(path, node.seen(true)));
            return tree;
        }

        /** A new file: in A with cow, in B with merge and (as root) mincow. */
        Node fresh(int type, int perm, Credentials owner) {
            Node n = new Node(type, perm, owner.uid(), owner.gid());
            n.upper = mode == Mode.COW;
            n.lower = mode != Mode.COW;
            return n;
        }

        private boolean readOnly(Node n) {
            return mode == Mode.MERGE && n.upper;
        }

        /** In merge, a new name needs its directory in B and no whiteout of A on it. */
        private boolean mayCreate(Lookup l, String path) {
            return mode != Mode.MERGE || l.parent().lower && !whiteouts.contains(path);
        }

        Expect make(String path, Node node) {
            Lookup l = lookup(path);
            if (l.stop() != 0) {
                return l.stopped();
            }
            if (l.node() != null) {
                return Expect.hypervisor(Errno.EEXIST);
            }
            if (!mayCreate(l, path)) {
                return Expect.fails(Errno.EROFS);
            }
            l.parent().children.put(l.name(), node);
            return Expect.ok();
        }

        Expect remove(String path, boolean directory) {
            Lookup l = lookup(path);
            if (l.stop() != 0) {
                return l.stopped();
            }
            if (l.node() == null) {
                return Expect.hypervisor(Errno.ENOENT);
            }
            if (path.isEmpty()) {
                return Expect.hypervisor(Errno.EBUSY);
            }
            if (directory != (l.node().type == S_IFDIR)) {
                return Expect.hypervisor(directory ? Errno.ENOTDIR : Errno.EISDIR);
            }
            Set<Integer> errors = new TreeSet<>();
            if (readOnly(l.node())) {
                errors.add(Errno.EROFS);
            }
            if (!l.node().children.isEmpty()) {
                errors.add(Errno.ENOTEMPTY);
            }
            if (!errors.isEmpty()) {
                return Expect.fails(errors);
            }
            l.parent().children.remove(l.name());
            return Expect.ok();
        }

        Expect rename(String from, String to, int flags) {
            Lookup src = lookup(from);
            Lookup dst = lookup(to);
            if (src.stop() != 0) {
                return src.stopped();
            }
            if (src.node() == null) {
                return Expect.hypervisor(Errno.ENOENT);
            }
            if (dst.stop() != 0) {
                return dst.stopped();
            }
            if (from.isEmpty() || to.isEmpty()) {
                return Expect.hypervisor(Errno.EBUSY);
            }
            if (from.equals(to)) {
                return Expect.hypervisor("same name, nothing to do");
            }
            Set<Integer> errors = renameErrors(src, dst, from, to, flags);
            if (!errors.isEmpty()) {
                return Expect.fails(errors);
            }
            // Two names of one file: rename(2) does nothing and both stay.
            if (src.node() != dst.node()) {
                src.parent().children.remove(src.name());
                dst.parent().children.put(dst.name(), src.node());
            }
            return Expect.ok();
        }

        private Set<Integer> renameErrors(Lookup src, Lookup dst, String from, String to, int flags) {
            Set<Integer> errors = new TreeSet<>();
            boolean dir = src.node().type == S_IFDIR;
            if (dir && to.startsWith(from + "/")) {
                errors.add(Errno.EINVAL);
            }
            if (dst.node() != null) {
                boolean dstDir = dst.node().type == S_IFDIR;
                if ((flags & RENAME_NOREPLACE) != 0) {
                    errors.add(Errno.EEXIST);
                }
                if (dir && !dstDir) {
                    errors.add(Errno.ENOTDIR);
                }
                if (!dir && dstDir) {
                    errors.add(Errno.EISDIR);
                }
                if (dstDir && !dst.node().children.isEmpty()) {
                    errors.add(Errno.ENOTEMPTY);
                }
            }
            if (mode == Mode.COW && dir && src.node().lower) {
                errors.add(Errno.EXDEV);
            }
            if (readOnly(src.node()) || dst.node() != null && readOnly(dst.node()) || !mayCreate(dst, to)) {
                errors.add(Errno.EROFS);
            }
            return errors;
        }

        Expect link(String from, String to) {
            Lookup src = lookup(from);
            Lookup dst = lookup(to);
            if (src.stop() != 0) {
                return src.stopped();
            }
            if (src.node() == null) {
                return Expect.hypervisor(Errno.ENOENT);
            }
            if (src.node().type == S_IFDIR) {
                return Expect.hypervisor(Errno.EPERM);
            }
            if (dst.stop() != 0) {
                return dst.stopped();
            }
            if (dst.node() != null) {
                return Expect.hypervisor(Errno.EEXIST);
            }
            // A link changes its source (its link count): in merge, A's files are read-only.
            if (readOnly(src.node()) || !mayCreate(dst, to)) {
                return Expect.fails(Errno.EROFS);
            }
            dst.parent().children.put(dst.name(), src.node());
            return Expect.ok();
        }

        /** chmod, chown, truncate, utimens: on an existing file the call is made for ({@code served}). */
        Expect change(String path, Predicate<Node> served, Consumer<Node> change) {
            Lookup l = lookup(path);
            if (l.stop() != 0) {
                return l.stopped();
            }
            if (l.node() == null) {
                return Expect.hypervisor(Errno.ENOENT);
            }
            if (path.isEmpty() || !served.test(l.node())) {
                return Expect.hypervisor("not modelled for a " + typeName(l.node().type) + (path.isEmpty() ? " (root)" : ""));
            }
            if (readOnly(l.node())) {
                return Expect.fails(Errno.EROFS);
            }
            change.accept(l.node());
            return Expect.ok();
        }

        Expect open(int fd, String path, int access, boolean truncate) {
            Lookup l = lookup(path);
            if (l.stop() != 0) {
                return l.stopped();
            }
            if (l.node() == null) {
                return Expect.hypervisor(Errno.ENOENT);
            }
            if (l.node().type != S_IFREG) {
                return Expect.hypervisor("not modelled for a " + typeName(l.node().type));
            }
            if ((access != O_RDONLY || truncate) && readOnly(l.node())) {
                return Expect.fails(Errno.EROFS);
            }
            if (truncate) {
                l.node().truncate(0);
            }
            fds.put(fd, new Handle(l.node(), access));
            return Expect.ok();
        }

        Expect read(int fd, long offset, int length) {
            Handle h = fds.get(fd);
            if (h == null || h.access() == O_WRONLY) {
                return Expect.hypervisor("fd not open for reading");
            }
            byte[] data = h.node().data;
            int from = (int) Math.min(offset, data.length);
            int to = (int) Math.min(data.length, offset + length);
            return Expect.ok("size=" + data.length + " " + show(Arrays.copyOfRange(data, from, to)));
        }

        Expect write(int fd, long offset, byte[] bytes) {
            Handle h = fds.get(fd);
            if (h == null || h.access() == O_RDONLY) {
                return Expect.hypervisor("fd not open for writing");
            }
            h.node().write(offset < 0 ? h.node().data.length : offset, bytes);
            return Expect.ok("wrote " + bytes.length);
        }

        Expect close(int fd) {
            return fds.remove(fd) == null ? Expect.hypervisor("fd not open") : Expect.ok();
        }

        Expect list(String path) {
            Lookup l = lookup(path);
            if (l.stop() != 0) {
                return l.stopped();
            }
            if (l.node() == null || l.node().type != S_IFDIR) {
                return Expect.hypervisor(l.node() == null ? Errno.ENOENT : Errno.ENOTDIR);
            }
            return Expect.ok(l.node().children.entrySet().stream().map(e -> e.getKey() + ":" + typeName(e.getValue().type))
                    .collect(Collectors.joining(" ", "[", "]")));
        }

        /** The lstat of the last component is the module's: ENOENT there is its answer. */
        Expect stat(String path) {
            Lookup l = lookup(path);
            if (l.stop() != 0) {
                return l.stopped();
            }
            return l.node() == null ? Expect.fails(Errno.ENOENT) : Expect.ok(l.node().seen(false).line());
        }
    }

    // ---------------------------------------------------------------- operations

    /** One step of a sequence: what the model says, and the module call (made only where the model says the module is called). */
    interface Op {
        /** The paths the hypervisor resolves (with lstat) before anything else. */
        default List<String> paths() {
            return List.of();
        }

        Expect model(Model m);

        /** The module call; its result, in the form of the model's {@link Expect#value}. */
        String call(Run run) throws VuException;
    }

    record Create(String path, int perm, Credentials owner) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.make(path, m.fresh(S_IFREG, perm, owner));
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.create(path, perm, owner);
            return OK;
        }

        @Override
        public String toString() {
            return "create " + path + " " + octal(perm) + by(owner);
        }
    }

    record Mkdir(String path, int perm, Credentials owner) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.make(path, m.fresh(S_IFDIR, perm, owner));
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.mkdir(path, perm, owner);
            return OK;
        }

        @Override
        public String toString() {
            return "mkdir " + path + " " + octal(perm) + by(owner);
        }
    }

    record Symlink(String target, String path, Credentials owner) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            Node link = m.fresh(S_IFLNK, 0777, owner);
            link.target = target;
            return m.make(path, link);
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.symlink(target, path, owner);
            return OK;
        }

        @Override
        public String toString() {
            return "symlink " + path + " -> " + target + by(owner);
        }
    }

    record Mkfifo(String path, int perm, Credentials owner) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.make(path, m.fresh(S_IFIFO, perm, owner));
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.mknod(path, S_IFIFO | perm, 0, owner);
            return OK;
        }

        @Override
        public String toString() {
            return "mkfifo " + path + " " + octal(perm) + by(owner);
        }
    }

    record Unlink(String path) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.remove(path, false);
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.unlink(path);
            return OK;
        }

        @Override
        public String toString() {
            return "unlink " + path;
        }
    }

    record Rmdir(String path) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.remove(path, true);
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.rmdir(path);
            return OK;
        }

        @Override
        public String toString() {
            return "rmdir " + path;
        }
    }

    record Rename(String from, String to, int flags) implements Op {
        @Override
        public List<String> paths() {
            return List.of(from, to);
        }

        @Override
        public Expect model(Model m) {
            return m.rename(from, to, flags);
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.rename(from, to, flags);
            return OK;
        }

        @Override
        public String toString() {
            return "rename " + from + " -> " + to + ((flags & RENAME_NOREPLACE) != 0 ? " (noreplace)" : "");
        }
    }

    record Link(String from, String to) implements Op {
        @Override
        public List<String> paths() {
            return List.of(from, to);
        }

        @Override
        public Expect model(Model m) {
            return m.link(from, to);
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.link(from, to);
            return OK;
        }

        @Override
        public String toString() {
            return "link " + from + " => " + to;
        }
    }

    /** chmod follows symlinks, so the module never gets one. */
    record Chmod(String path, int perm) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.change(path, n -> n.type != S_IFLNK, n -> n.perm = perm);
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.chmod(path, perm);
            return OK;
        }

        @Override
        public String toString() {
            return "chmod " + path + " " + octal(perm);
        }
    }

    /** lchown too: the module gets the symlink itself. */
    record Chown(String path, int uid, int gid) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.change(path, n -> true, n -> {
                n.uid = uid == -1 ? n.uid : uid;
                n.gid = gid == -1 ? n.gid : gid;
            });
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.chown(path, uid, gid);
            return OK;
        }

        @Override
        public String toString() {
            return "chown " + path + " " + uid + ":" + gid;
        }
    }

    record Truncate(String path, long length) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.change(path, n -> n.type == S_IFREG, n -> n.truncate(length));
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.truncate(path, length);
            return OK;
        }

        @Override
        public String toString() {
            return "truncate " + path + " " + length;
        }
    }

    /**
     * The mtime set must read back exactly, at once; later checks know it only for
     * non-directories, since a directory's mtime moves whenever an entry in it changes
     * (a copy-up into it included).
     */
    record Utimens(String path, long atime, long mtime) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            Expect e = m.change(path, n -> true, n -> {
                if (mtime != OMIT && n.type != S_IFDIR) {
                    n.mtime = mtime;
                }
            });
            return e.succeeds() && mtime != OMIT ? Expect.ok("mtime=" + mtime) : e;
        }

        @Override
        public String call(Run run) throws VuException {
            run.fs.utimens(path, atime, mtime);
            return mtime == OMIT ? OK : "mtime=" + run.fs.lstat(path).mtime();
        }

        @Override
        public String toString() {
            return "utimens " + path + " atime " + (atime == OMIT ? "omit" : atime)
                    + " mtime " + (mtime == OMIT ? "omit" : mtime);
        }
    }

    /** The hypervisor applies O_TRUNC through truncate before it opens. */
    record Open(int fd, String path, int access, boolean truncate) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.open(fd, path, access, truncate);
        }

        @Override
        public String call(Run run) throws VuException {
            if (truncate) {
                run.fs.truncate(path, 0);
            }
            run.fds.put(fd, run.fs.open(path, access | (truncate ? O_TRUNC : 0)));
            return OK;
        }

        @Override
        public String toString() {
            String how = new String[] {"rdonly", "wronly", "rdwr"}[access];
            return "open #" + fd + " " + path + " " + how + (truncate ? "|trunc" : "");
        }
    }

    record Read(int fd, long offset, int length) implements Op {
        @Override
        public Expect model(Model m) {
            return m.read(fd, offset, length);
        }

        @Override
        public String call(Run run) throws VuException {
            VirtualFile file = run.fds.get(fd);
            long size = file.stat().size();
            ByteBuffer buffer = ByteBuffer.allocate(length);
            int n = file.read(buffer, offset);
            return "size=" + size + " " + show(Arrays.copyOf(buffer.array(), Math.max(n, 0)));
        }

        @Override
        public String toString() {
            return "read #" + fd + " at " + offset + " length " + length;
        }
    }

    /** Offset -1: append, at the size the file's stat gives, as the hypervisor does for O_APPEND. */
    record Write(int fd, long offset, byte[] data) implements Op {
        @Override
        public Expect model(Model m) {
            return m.write(fd, offset, data);
        }

        @Override
        public String call(Run run) throws VuException {
            VirtualFile file = run.fds.get(fd);
            return "wrote " + file.write(ByteBuffer.wrap(data), offset < 0 ? file.stat().size() : offset);
        }

        @Override
        public String toString() {
            return "write #" + fd + (offset < 0 ? " appending " : " at " + offset + " ") + show(data);
        }
    }

    record Close(int fd) implements Op {
        @Override
        public Expect model(Model m) {
            return m.close(fd);
        }

        @Override
        public String call(Run run) {
            run.fds.remove(fd).close();
            return OK;
        }

        @Override
        public String toString() {
            return "close #" + fd;
        }
    }

    record ListDir(String path) implements Op {
        @Override
        public List<String> paths() {
            return List.of(path);
        }

        @Override
        public Expect model(Model m) {
            return m.list(path);
        }

        @Override
        public String call(Run run) throws VuException {
            List<String> names = new ArrayList<>();
            for (DirEntry e : run.list(path)) {
                names.add(e.name() + ":" + typeName(e.type() != 0 ? e.type() : run.fs.lstat(join(path, e.name())).type()));
            }
            names.sort(null);
            return names.stream().collect(Collectors.joining(" ", "[", "]"));
        }

        @Override
        public String toString() {
            return "list " + (path.isEmpty() ? "(root)" : path);
        }
    }

    record Stat(String path) implements Op {
        @Override
        public List<String> paths() {
            return path.contains("/") ? List.of(parentOf(path)) : List.of();
        }

        @Override
        public Expect model(Model m) {
            return m.stat(path);
        }

        @Override
        public String call(Run run) throws VuException {
            FileStat st = run.fs.lstat(path);
            return line(st.mode(), st.uid(), st.gid(), st.size(), null, st.isSymlink() ? run.fs.readlink(path) : null);
        }

        @Override
        public String toString() {
            return "lstat " + path;
        }
    }

    /** Everything must come back from A's on-disk format. Open files are closed first, as umount would insist. */
    record Remount() implements Op {
        @Override
        public Expect model(Model m) {
            m.fds.clear();
            return Expect.ok();
        }

        @Override
        public String call(Run run) throws VuException {
            run.remount();
            return OK;
        }

        @Override
        public String toString() {
            return "remount";
        }
    }

    // ---------------------------------------------------------------- the driver

    /** One execution of a scenario on fresh host directories A and B (siblings). */
    static final class Run {
        private final Scenario scenario;
        private final Path dir;
        private final Path upperDir;
        private final Path lowerDir;
        private final Model model;
        ServedFileSystem fs;
        final Map<Integer, VirtualFile> fds = new HashMap<>();
        final List<String> trace = new ArrayList<>();

        Run(Scenario scenario, Path dir) {
            this.scenario = scenario;
            this.dir = dir;
            this.upperDir = dir.resolve("A");
            this.lowerDir = dir.resolve("B");
            this.model = new Model(scenario);
        }

        static ServedFileSystem mount(Path upper, Path lower, Mode mode) throws VuException {
            MountRequest request = new MountRequest(upper.toString(), lower.toString(), "vufs", 0, mode.option(), p -> p);
            return (ServedFileSystem) new Vufs().mount(request);
        }

        Failure execute() {
            int step = 0;
            try {
                Files.createDirectories(upperDir);
                Files.createDirectories(lowerDir);
                Host.build(lowerDir, scenario.lower());
                Host.build(upperDir, scenario.upper());
                Host.whiteouts(upperDir, scenario.whiteouts());
                Path untouched = scenario.mode() == Mode.COW ? lowerDir : scenario.mode() == Mode.MERGE ? upperDir : null;
                Map<String, Seen> before = untouched == null ? null : Host.tree(untouched);
                fs = mount(upperDir, lowerDir, scenario.mode());
                for (; step < scenario.ops().size(); step++) {
                    Failure f = step(step);
                    if (f != null) {
                        return f;
                    }
                }
                return finish(untouched, before);
            } catch (VuException e) {
                String errno = errnoName(e.errno());
                return failure(step, "fails with " + errno, "unexpected " + errno + ": " + e.getMessage());
            } catch (RuntimeException e) {
                return failure(step, "throws " + e.getClass().getSimpleName(), describe(e));
            } catch (IOException e) {
                throw new UncheckedIOException("the test's own host calls failed", e);
            } finally {
                closeAll();
                Host.delete(dir);
            }
        }

        private Failure step(int i) {
            Op op = scenario.ops().get(i);
            String name = op.getClass().getSimpleName();
            for (String path : op.paths()) {
                String wrong = checkLookup(path);
                if (wrong != null) {
                    return failure(i, name + ": lookup", wrong);
                }
            }
            Expect expect = op.model(model);
            if (!expect.callsModule()) {
                note(i, op, expect, "-");
                return null;
            }
            int errno = 0;
            String got;
            try {
                got = op.call(this);
            } catch (VuException e) {
                errno = e.errno();
                got = errnoName(errno);
            }
            note(i, op, expect, got);
            if (!expect.accepts(errno, got)) {
                return failure(i, name + ": expected " + expect.outcome() + ", got " + (errno == 0 ? "success" : got),
                        op + ": the model says " + expect + ", the module " + got);
            }
            return null;
        }

        /** Resolves a path as the hypervisor does, lstat by lstat: the module must agree with the model at each component. */
        private String checkLookup(String path) {
            Node dir = model.root;
            String prefix = "";
            for (String part : path.isEmpty() ? new String[0] : path.split("/")) {
                prefix = join(prefix, part);
                Node node = dir.children.get(part);
                String want = node == null ? errnoName(Errno.ENOENT) : typeName(node.type);
                String got;
                try {
                    got = typeName(fs.lstat(prefix).type());
                } catch (VuException e) {
                    got = errnoName(e.errno());
                }
                if (!want.equals(got)) {
                    return "lstat " + prefix + ": the model says " + want + ", the module " + got;
                }
                if (node == null || node.type != S_IFDIR) {
                    return null;
                }
                dir = node;
            }
            return null;
        }

        /** The view, before and after a remount; then the layer that must not change (cow: B, merge: A), or mincow's B. */
        private Failure finish(Path untouched, Map<String, Seen> before) throws VuException, IOException {
            int end = scenario.ops().size();
            String wrong = diff(model.tree(), viewTree());
            if (wrong != null) {
                return failure(end, "view", "the view differs from the model: " + wrong);
            }
            remount();
            wrong = diff(model.tree(), viewTree());
            if (wrong != null) {
                return failure(end, "view after remount", "after a remount the view differs from the model: " + wrong);
            }
            if (untouched != null) {
                wrong = diff(before, Host.tree(untouched));
                String layer = untouched == lowerDir ? "B" : "A";
                return wrong == null ? null : failure(end, layer + " changed", layer + " on the host changed: " + wrong);
            }
            wrong = diff(model.tree(), Host.tree(lowerDir));
            if (wrong != null) {
                return failure(end, "B differs", "mincow: B on the host differs from the view: " + wrong);
            }
            Set<String> upper = Host.tree(upperDir).keySet();
            return upper.isEmpty() || upper.equals(Set.of(".-")) ? null
                    : failure(end, "A written", "mincow as root copied up or created in A: " + upper);
        }

        void remount() throws VuException {
            closeAll();
            fs.unmount(false);
            fs = mount(upperDir, lowerDir, scenario.mode());
        }

        private void closeAll() {
            fds.values().forEach(VirtualFile::close);
            fds.clear();
        }

        private Map<String, Seen> viewTree() throws VuException {
            Map<String, Seen> tree = new TreeMap<>();
            walk("", tree);
            return tree;
        }

        private void walk(String dir, Map<String, Seen> tree) throws VuException {
            for (DirEntry e : list(dir)) {
                String path = join(dir, e.name());
                FileStat st = fs.lstat(path);
                byte[] content = st.type() == S_IFREG ? readAll(path) : null;
                String line = line(st.mode(), st.uid(), st.gid(), st.size(), content, st.isSymlink() ? fs.readlink(path) : null);
                if (e.type() != 0 && e.type() != st.type()) {
                    line += " (listed as " + typeName(e.type()) + ")";
                }
                if (tree.put(path, new Seen(line, st.mtime())) != null) {
                    tree.put(path, new Seen("listed twice", null));
                }
                if (st.isDirectory()) {
                    walk(path, tree);
                }
            }
        }

        List<DirEntry> list(String path) throws VuException {
            VirtualFile d = fs.open(path, O_RDONLY | O_DIRECTORY);
            try {
                return d.list();
            } finally {
                d.close();
            }
        }

        private byte[] readAll(String path) throws VuException {
            VirtualFile f = fs.open(path, O_RDONLY);
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                for (int n; out.size() < (1 << 20) && (n = f.read(buffer.clear(), out.size())) > 0; ) {
                    out.write(buffer.array(), 0, n);
                }
                return out.toByteArray();
            } finally {
                f.close();
            }
        }

        private void note(int i, Op op, Expect expect, String got) {
            trace.add(String.format("%3d. %-44s model: %s%s", i + 1, op, expect, expect.callsModule() ? ", module: " + got : ""));
        }

        /** Marks the failing step in the trace (adding it when it failed before its result was noted). */
        private Failure failure(int op, String signature, String detail) {
            if (op < trace.size()) {
                trace.set(op, trace.get(op) + "   <== FAILS");
            } else if (op < scenario.ops().size()) {
                trace.add(String.format("%3d. %-44s <== FAILS: %s", op + 1, scenario.ops().get(op), detail));
            } else {
                trace.add("end: " + detail);
            }
            return new Failure(signature, detail);
        }

        private static String describe(RuntimeException e) {
            StackTraceElement[] at = e.getStackTrace();
            return e + (at.length > 0 ? " at " + at[0] : "");
        }
    }

    /** A file as a final check sees it; its mtime is compared only where the expected side knows it. */
    record Seen(String line, Long mtime) {
        boolean matches(Seen actual) {
            return line.equals(actual.line) && (mtime == null || mtime.equals(actual.mtime));
        }

        @Override
        public String toString() {
            return line + (mtime == null ? "" : " mtime " + mtime);
        }
    }

    /** Where {@code actual} differs from {@code expected}, or null. */
    static String diff(Map<String, Seen> expected, Map<String, Seen> actual) {
        Set<String> paths = new TreeSet<>(expected.keySet());
        paths.addAll(actual.keySet());
        List<String> differences = new ArrayList<>();
        for (String path : paths) {
            Seen want = expected.get(path);
            Seen got = actual.get(path);
            if (want == null || got == null || !want.matches(got)) {
                // The time found is shown only where one was expected: elsewhere it is noise.
                String found = got == null ? "nothing" : want != null && want.mtime() == null ? got.line() : got.toString();
                differences.add(path + ": expected " + (want == null ? "nothing" : want) + ", found " + found);
            }
        }
        if (differences.isEmpty()) {
            return null;
        }
        int shown = Math.min(differences.size(), 6);
        return String.join("; ", differences.subList(0, shown)) + (shown < differences.size() ? "; ..." : "");
    }

    // ---------------------------------------------------------------- the host

    /** The test's own host calls: building initial trees, reading layers back, cleaning up. */
    static final class Host {
        private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

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

    // ---------------------------------------------------------------- rendering

    /** A file's attributes (and a regular file's content, when given) as one comparable line. */
    static String line(int mode, int uid, int gid, long size, byte[] content, String target) {
        String owner = uid + ":" + gid;
        int perm = mode & 07777;
        String line = switch (mode & S_IFMT) {
            case S_IFDIR -> "dir " + octal(perm) + " " + owner;
            case S_IFREG -> "file " + octal(perm) + " " + owner + " size=" + size;
            case S_IFLNK -> "link " + owner + " size=" + size + " -> " + target;
            default -> typeName(mode & S_IFMT) + " " + octal(perm) + " " + owner;
        };
        return content == null ? line : line + " " + show(content);
    }

    static String typeName(int type) {
        return switch (type) {
            case S_IFDIR -> "dir";
            case S_IFREG -> "file";
            case S_IFLNK -> "link";
            case S_IFIFO -> "fifo";
            default -> "type " + Integer.toOctalString(type);
        };
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "EPERM";
            case Errno.ENOENT -> "ENOENT";
            case Errno.EIO -> "EIO";
            case Errno.EBADF -> "EBADF";
            case Errno.EACCES -> "EACCES";
            case Errno.EBUSY -> "EBUSY";
            case Errno.EEXIST -> "EEXIST";
            case Errno.EXDEV -> "EXDEV";
            case Errno.ENOTDIR -> "ENOTDIR";
            case Errno.EISDIR -> "EISDIR";
            case Errno.EINVAL -> "EINVAL";
            case Errno.EROFS -> "EROFS";
            case Errno.ENOTEMPTY -> "ENOTEMPTY";
            case Errno.ELOOP -> "ELOOP";
            case Errno.ENOSYS -> "ENOSYS";
            case Errno.EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }

    static String octal(int perm) {
        return String.format("%04o", perm);
    }

    /** Short content as text (other bytes as \xNN), long content as its length and checksum. */
    static String show(byte[] data) {
        if (data.length <= 24) {
            StringBuilder text = new StringBuilder("'");
            for (byte b : data) {
                text.append(b >= ' ' && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
            }
            return text.append("'").toString();
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        return "<" + data.length + " bytes, crc " + Long.toHexString(crc.getValue()) + ">";
    }

    static String by(Credentials owner) {
        return owner.uid() == 0 && owner.gid() == 0 ? "" : " as " + owner.uid() + ":" + owner.gid();
    }

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
