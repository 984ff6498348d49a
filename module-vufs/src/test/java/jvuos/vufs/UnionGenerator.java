package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.module.ServedFileSystem.OMIT;
import static jvuos.module.ServedFileSystem.O_RDONLY;
import static jvuos.module.ServedFileSystem.O_RDWR;
import static jvuos.module.ServedFileSystem.O_WRONLY;
import static jvuos.vufs.UnionModel.RENAME_NOREPLACE;
import static jvuos.vufs.UnionScenario.NAMES;
import static jvuos.vufs.UnionScenario.randomData;
import static jvuos.vufs.UnionScenario.randomTime;
import static jvuos.vufs.UnionText.join;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

import jvuos.vufs.UnionModel.Handle;
import jvuos.vufs.UnionModel.Node;
import jvuos.vufs.UnionScenario.User;

/**
 * Generates a scenario's operations, choosing each from the model's state at that point, so
 * that most name existing files. Each fd an open names is new: an operation on an fd whose
 * open was shrunk away finds it not open, and the model then answers it without the module.
 */
final class UnionGenerator {
    private static final String[] TARGETS = {"a", "b/c", "../a", "/etc/hostname", "nowhere", "."};
    private final Random random;
    private final UnionModel model;
    private final User user;
    private int nextFd;

    UnionGenerator(Random random, UnionModel model, User user) {
        this.random = random;
        this.model = model;
        this.user = user;
    }

    static String target(Random random) {
        return TARGETS[random.nextInt(TARGETS.length)];
    }

    List<UnionOp> operations(int count) {
        List<UnionOp> ops = new ArrayList<>();
        // A read-only fd held from the start on a file of B is open across that file's
        // copy-up; its reads then show whether it follows the copy, as overlayfs's do.
        if (random.nextInt(3) == 0) {
            add(ops, UnionOp.open(nextFd++, existing(n -> n.type == S_IFREG && n.lower), O_RDONLY, false));
        }
        while (ops.size() < count) {
            add(ops, next());
        }
        return ops;
    }

    private void add(List<UnionOp> ops, UnionOp op) {
        op.model().apply(model);
        ops.add(op);
    }

    private UnionOp next() {
        int w = random.nextInt(100);
        if (w < 9) {
            return UnionOp.create(creatable(), user.filePerm(random), user.owner(random));
        } else if (w < 16) {
            return UnionOp.mkdir(creatable(), user.dirPerm(random), user.owner(random));
        } else if (w < 19) {
            return UnionOp.symlink(target(random), creatable(), user.owner(random));
        } else if (w < 21) {
            return UnionOp.mkfifo(creatable(), user.filePerm(random), user.owner(random));
        } else if (w < 28) {
            return UnionOp.unlink(existing(n -> n.type != S_IFDIR));
        } else if (w < 34) {
            return UnionOp.rmdir(existing(n -> n.type == S_IFDIR));
        } else if (w < 45) {
            return rename();
        } else if (w < 49) {
            return UnionOp.link(existing(n -> n.type != S_IFDIR), creatable());
        } else if (w < 54) {
            return chmod();
        } else if (w < 57 && user.root()) {
            return UnionOp.chown(existing(n -> true), pick(-1, 0, 1000, 1001), pick(-1, 0, 1000));
        } else if (w < 61) {
            return UnionOp.truncate(existing(n -> n.type == S_IFREG), random.nextInt(20));
        } else if (w < 65) {
            return utimens();
        } else if (w < 75) {
            return open();
        } else if (w < 90) {
            return fdOperation();
        } else if (w < 94) {
            return UnionOp.list(directory());
        } else if (w < 98) {
            // .- at the root is vufs's own: the view must not show it.
            return UnionOp.stat(random.nextInt(8) == 0 ? ".-" : anyPath());
        }
        return UnionOp.remount();
    }

    private UnionOp rename() {
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
        return UnionOp.rename(from, to, random.nextInt(6) == 0 ? RENAME_NOREPLACE : 0);
    }

    private UnionOp chmod() {
        String path = existing(n -> n.type != S_IFLNK);
        Node node = model.lookup(path).node();
        boolean dir = node != null && node.type == S_IFDIR;
        // The sticky bit on directories: 07777 is the module's to keep, not just 0777.
        int perm = dir && random.nextInt(5) == 0 ? 01777 : dir ? user.dirPerm(random) : user.filePerm(random);
        return UnionOp.chmod(path, perm);
    }

    private UnionOp utimens() {
        long atime = random.nextInt(4) == 0 ? OMIT : randomTime(random);
        long mtime = random.nextInt(4) == 0 ? OMIT : randomTime(random);
        return UnionOp.utimens(existing(n -> true), atime, mtime);
    }

    private UnionOp open() {
        String path = null;
        if (!model.fds.isEmpty() && random.nextInt(3) == 0) {
            path = pathOf(model.fds.get(anyFd()).node());
        }
        if (path == null) {
            path = existing(n -> n.type == S_IFREG);
        }
        int access = pick(O_RDONLY, O_RDONLY, O_WRONLY, O_RDWR, O_RDWR);
        boolean truncate = access != O_RDONLY && random.nextInt(6) == 0;
        return UnionOp.open(nextFd++, path, access, truncate);
    }

    private UnionOp fdOperation() {
        if (model.fds.isEmpty()) {
            return open();
        }
        int fd = anyFd();
        Handle handle = model.fds.get(fd);
        int size = handle.node().data.length;
        int w = random.nextInt(10);
        if (w < 4 && handle.access() != O_WRONLY) {
            return UnionOp.read(fd, random.nextInt(size + 2), 1 + random.nextInt(size + 8));
        } else if (w < 9 && handle.access() != O_RDONLY) {
            return UnionOp.write(fd, random.nextInt(3) == 0 ? -1 : random.nextInt(size + 3), randomData(random));
        }
        return UnionOp.close(fd);
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
