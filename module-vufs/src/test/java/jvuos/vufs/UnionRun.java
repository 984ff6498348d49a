package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.module.ServedFileSystem.O_DIRECTORY;
import static jvuos.module.ServedFileSystem.O_RDONLY;
import static jvuos.vufs.UnionText.diff;
import static jvuos.vufs.UnionText.errnoName;
import static jvuos.vufs.UnionText.join;
import static jvuos.vufs.UnionText.line;
import static jvuos.vufs.UnionText.typeName;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import jvuos.errno.Errno;
import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.MountRequest;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.vufs.UnionModel.Expect;
import jvuos.vufs.UnionModel.Node;
import jvuos.vufs.UnionScenario.Mode;
import jvuos.vufs.UnionText.Seen;

/**
 * One execution of a union property test scenario on fresh host directories A and B
 * (siblings): the driver plays the hypervisor, applying each operation to the model and, where
 * the model says the module is called, to vufs, then checks the whole view, a remount, and the
 * layers on the host. It keeps a trace of what the model and the module said at each step.
 */
final class UnionRun {
    private final UnionScenario scenario;
    private final Path dir;
    private final Path upperDir;
    private final Path lowerDir;
    private final UnionModel model;
    ServedFileSystem fs;
    final Map<Integer, VirtualFile> fds = new HashMap<>();
    final List<String> trace = new ArrayList<>();

    /** @param signature what went wrong, coarse enough to stay the same while the case shrinks */
    record Failure(String signature, String detail) {
    }

    UnionRun(UnionScenario scenario, Path dir) {
        this.scenario = scenario;
        this.dir = dir;
        this.upperDir = dir.resolve("A");
        this.lowerDir = dir.resolve("B");
        this.model = new UnionModel(scenario);
    }

    static ServedFileSystem mount(Path upper, Path lower, Mode mode) throws VuException {
        MountRequest request = new MountRequest(upper.toString(), lower.toString(), "vufs", 0, mode.option(), p -> p);
        return (ServedFileSystem) new Vufs().mount(request);
    }

    /** The first failure, or null when the module agrees with the model throughout. */
    Failure execute() {
        int step = 0;
        try {
            Files.createDirectories(upperDir);
            Files.createDirectories(lowerDir);
            UnionHost.build(lowerDir, scenario.lower());
            UnionHost.build(upperDir, scenario.upper());
            UnionHost.whiteouts(upperDir, scenario.whiteouts());
            Path untouched = scenario.mode() == Mode.COW ? lowerDir : scenario.mode() == Mode.MERGE ? upperDir : null;
            Map<String, Seen> before = untouched == null ? null : UnionHost.tree(untouched);
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
            UnionHost.delete(dir);
        }
    }

    private Failure step(int i) {
        UnionOp op = scenario.ops().get(i);
        for (String path : op.paths()) {
            String wrong = checkLookup(path);
            if (wrong != null) {
                return failure(i, op.name() + ": lookup", wrong);
            }
        }
        Expect expect = op.model().apply(model);
        if (!expect.callsModule()) {
            note(i, op, expect, "-");
            return null;
        }
        int errno = 0;
        String got;
        try {
            got = op.call().on(this);
        } catch (VuException e) {
            errno = e.errno();
            got = errnoName(errno);
        }
        note(i, op, expect, got);
        if (!expect.accepts(errno, got)) {
            return failure(i, op.name() + ": expected " + expect.outcome() + ", got " + (errno == 0 ? "success" : got),
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
            wrong = diff(before, UnionHost.tree(untouched));
            String layer = untouched == lowerDir ? "B" : "A";
            return wrong == null ? null : failure(end, layer + " changed", layer + " on the host changed: " + wrong);
        }
        wrong = diff(model.tree(), UnionHost.tree(lowerDir));
        if (wrong != null) {
            return failure(end, "B differs", "mincow: B on the host differs from the view: " + wrong);
        }
        Set<String> upper = UnionHost.tree(upperDir).keySet();
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

    private void note(int i, UnionOp op, Expect expect, String got) {
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
