package jvuos.vufs;

import static jvuos.module.FileStat.S_IFDIR;
import static jvuos.module.FileStat.S_IFIFO;
import static jvuos.module.FileStat.S_IFLNK;
import static jvuos.module.FileStat.S_IFREG;
import static jvuos.module.ServedFileSystem.OMIT;
import static jvuos.module.ServedFileSystem.O_TRUNC;
import static jvuos.vufs.UnionModel.Expect.OK;
import static jvuos.vufs.UnionModel.RENAME_NOREPLACE;
import static jvuos.vufs.UnionText.join;
import static jvuos.vufs.UnionText.line;
import static jvuos.vufs.UnionText.octal;
import static jvuos.vufs.UnionText.parentOf;
import static jvuos.vufs.UnionText.show;
import static jvuos.vufs.UnionText.typeName;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

import jvuos.module.Credentials;
import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.vufs.UnionModel.Expect;
import jvuos.vufs.UnionModel.Node;

/**
 * One step of a union property test sequence, made by the factory of its kind: its text in
 * the trace, the paths the hypervisor resolves (with lstat) before anything else, what the
 * model says it does, and the module call, made only where the model says the module is called.
 * Ops on an fd name it by the number its open chose (see {@link UnionGenerator}).
 */
record UnionOp(String text, List<String> paths, Function<UnionModel, Expect> model, ModuleCall call) {
    /** The module call; its result, in the form of the model's {@link Expect#value}. */
    interface ModuleCall {
        String on(UnionRun run) throws VuException;
    }

    /** A module call on the mounted file system that returns nothing but its success. */
    private interface PlainCall {
        void on(ServedFileSystem fs) throws VuException;
    }

    /** The kind of operation, its text's first word: a failure's signature names it, as it stays while a case shrinks. */
    String name() {
        return text.split(" ", 2)[0];
    }

    @Override
    public String toString() {
        return text;
    }

    static UnionOp create(String path, int perm, Credentials owner) {
        return make("create", S_IFREG, path, perm, owner, fs -> fs.create(path, perm, owner));
    }

    static UnionOp mkdir(String path, int perm, Credentials owner) {
        return make("mkdir", S_IFDIR, path, perm, owner, fs -> fs.mkdir(path, perm, owner));
    }

    static UnionOp mkfifo(String path, int perm, Credentials owner) {
        return make("mkfifo", S_IFIFO, path, perm, owner, fs -> fs.mknod(path, S_IFIFO | perm, 0, owner));
    }

    private static UnionOp make(String command, int type, String path, int perm, Credentials owner, PlainCall module) {
        return plain(command + " " + path + " " + octal(perm) + by(owner), List.of(path),
                m -> m.make(path, m.fresh(type, perm, owner)), module);
    }

    static UnionOp symlink(String target, String path, Credentials owner) {
        return plain("symlink " + path + " -> " + target + by(owner), List.of(path), m -> {
            Node link = m.fresh(S_IFLNK, 0777, owner);
            link.target = target;
            return m.make(path, link);
        }, fs -> fs.symlink(target, path, owner));
    }

    static UnionOp unlink(String path) {
        return plain("unlink " + path, List.of(path), m -> m.remove(path, false), fs -> fs.unlink(path));
    }

    static UnionOp rmdir(String path) {
        return plain("rmdir " + path, List.of(path), m -> m.remove(path, true), fs -> fs.rmdir(path));
    }

    static UnionOp rename(String from, String to, int flags) {
        String noreplace = (flags & RENAME_NOREPLACE) != 0 ? " (noreplace)" : "";
        return plain("rename " + from + " -> " + to + noreplace, List.of(from, to), m -> m.rename(from, to, flags),
                fs -> fs.rename(from, to, flags));
    }

    static UnionOp link(String from, String to) {
        return plain("link " + from + " => " + to, List.of(from, to), m -> m.link(from, to), fs -> fs.link(from, to));
    }

    /** chmod follows symlinks, so the module never gets one. */
    static UnionOp chmod(String path, int perm) {
        return plain("chmod " + path + " " + octal(perm), List.of(path),
                m -> m.change(path, n -> n.type != S_IFLNK, n -> n.perm = perm), fs -> fs.chmod(path, perm));
    }

    /** lchown too: the module gets the symlink itself. */
    static UnionOp chown(String path, int uid, int gid) {
        return plain("chown " + path + " " + uid + ":" + gid, List.of(path), m -> m.change(path, n -> true, n -> {
            n.uid = uid == -1 ? n.uid : uid;
            n.gid = gid == -1 ? n.gid : gid;
        }), fs -> fs.chown(path, uid, gid));
    }

    static UnionOp truncate(String path, long length) {
        return plain("truncate " + path + " " + length, List.of(path),
                m -> m.change(path, n -> n.type == S_IFREG, n -> n.truncate(length)), fs -> fs.truncate(path, length));
    }

    /**
     * The mtime set must read back exactly, at once; later checks know it only for
     * non-directories, since a directory's mtime moves whenever an entry in it changes
     * (a copy-up into it included).
     */
    static UnionOp utimens(String path, long atime, long mtime) {
        String text = "utimens " + path + " atime " + (atime == OMIT ? "omit" : atime)
                + " mtime " + (mtime == OMIT ? "omit" : mtime);
        return new UnionOp(text, List.of(path), m -> {
            Expect e = m.change(path, n -> true, n -> {
                if (mtime != OMIT && n.type != S_IFDIR) {
                    n.mtime = mtime;
                }
            });
            return e.succeeds() && mtime != OMIT ? Expect.ok("mtime=" + mtime) : e;
        }, run -> {
            run.fs.utimens(path, atime, mtime);
            return mtime == OMIT ? OK : "mtime=" + run.fs.lstat(path).mtime();
        });
    }

    /** The hypervisor applies O_TRUNC through truncate before it opens. */
    static UnionOp open(int fd, String path, int access, boolean truncate) {
        String how = new String[] {"rdonly", "wronly", "rdwr"}[access];
        return new UnionOp("open #" + fd + " " + path + " " + how + (truncate ? "|trunc" : ""), List.of(path),
                m -> m.open(fd, path, access, truncate), run -> {
                    if (truncate) {
                        run.fs.truncate(path, 0);
                    }
                    run.fds.put(fd, run.fs.open(path, access | (truncate ? O_TRUNC : 0)));
                    return OK;
                });
    }

    static UnionOp read(int fd, long offset, int length) {
        return new UnionOp("read #" + fd + " at " + offset + " length " + length, List.of(),
                m -> m.read(fd, offset, length), run -> {
                    VirtualFile file = run.fds.get(fd);
                    long size = file.stat().size();
                    ByteBuffer buffer = ByteBuffer.allocate(length);
                    int n = file.read(buffer, offset);
                    return "size=" + size + " " + show(Arrays.copyOf(buffer.array(), Math.max(n, 0)));
                });
    }

    /** Offset -1: append, at the size the file's stat gives, as the hypervisor does for O_APPEND. */
    static UnionOp write(int fd, long offset, byte[] data) {
        return new UnionOp("write #" + fd + (offset < 0 ? " appending " : " at " + offset + " ") + show(data), List.of(),
                m -> m.write(fd, offset, data), run -> {
                    VirtualFile file = run.fds.get(fd);
                    return "wrote " + file.write(ByteBuffer.wrap(data), offset < 0 ? file.stat().size() : offset);
                });
    }

    static UnionOp close(int fd) {
        return new UnionOp("close #" + fd, List.of(), m -> m.close(fd), run -> {
            run.fds.remove(fd).close();
            return OK;
        });
    }

    static UnionOp list(String path) {
        return new UnionOp("list " + (path.isEmpty() ? "(root)" : path), List.of(path), m -> m.list(path), run -> {
            List<String> names = new ArrayList<>();
            for (DirEntry e : run.list(path)) {
                names.add(e.name() + ":" + typeName(e.type() != 0 ? e.type() : run.fs.lstat(join(path, e.name())).type()));
            }
            names.sort(null);
            return names.stream().collect(Collectors.joining(" ", "[", "]"));
        });
    }

    /** The module is asked for the last component itself: only the parent is resolved first. */
    static UnionOp stat(String path) {
        return new UnionOp("lstat " + path, path.contains("/") ? List.of(parentOf(path)) : List.of(), m -> m.stat(path), run -> {
            FileStat st = run.fs.lstat(path);
            return line(st.mode(), st.uid(), st.gid(), st.size(), null, st.isSymlink() ? run.fs.readlink(path) : null);
        });
    }

    /** Everything must come back from A's on-disk format. */
    static UnionOp remount() {
        return new UnionOp("remount", List.of(), UnionModel::remount, run -> {
            run.remount();
            return OK;
        });
    }

    private static UnionOp plain(String text, List<String> paths, Function<UnionModel, Expect> model, PlainCall module) {
        return new UnionOp(text, paths, model, run -> {
            module.on(run.fs);
            return OK;
        });
    }

    private static String by(Credentials owner) {
        return owner.uid() == 0 && owner.gid() == 0 ? "" : " as " + owner.uid() + ":" + owner.gid();
    }
}
