package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vufs's union modes (cow, mincow, except=, nochcopy, and the mounts it refuses): the kernel's
 * overlayfs is the oracle for the file operations of a cow view, the kernel's plain directory
 * for what real programs do in one, and the host tree the view is over (B) must come out of
 * every cow session unchanged. Where no oracle applies, the expected outcome is the spec's.
 *
 * <p>Each run happens in the same directory (made afresh), so that the paths in the outputs
 * are the same natively and in the view. The oracles need root (overlay mounts, files of other
 * owners, dropping to another user): without it those tests are skipped.
 */
class VufsUnionIT {
    /** The unprivileged user of the mincow test: nobody. */
    private static final String NOBODY = "65534";
    /**
     * As the kernel does: a creating open gives a writable fd whatever the new file's mode,
     * access(W_OK) then says no, and a write-only fd on a file of B stays one across its copy-up
     * (mincow copies up at the chmod that B refuses).
     */
    private static final String CREATING_OPEN_AND_A_WRITER_ACROSS_A_COPY_UP = """
            import os
            fd = os.open("ro", os.O_CREAT | os.O_WRONLY, 0o444)
            print("created", os.write(fd, b"abc"), os.access("ro", os.W_OK))
            w = os.open("writable.txt", os.O_WRONLY)
            first = os.write(w, b"ab")
            os.chmod("writable.txt", 0o600)
            print("wrote", first, "then", os.write(w, b"cde"))
            """;

    @TempDir
    static Path scratch;
    static Path ops;
    static Path programs;
    static Path tree;

    @BeforeAll
    static void writeScripts() {
        ops = Run.resourceIn(scratch, "union-ops.sh");
        programs = Run.resourceIn(scratch, "union-programs.sh");
        tree = Run.resourceIn(scratch, "union-tree.py");
    }

    /**
     * The operations of union-ops.sh, in overlayfs (redirect_dir, index and metacopy off: what
     * vufs's cow follows) and in a cow view, over the same lower tree: the same outcome of
     * each, the same visible tree at the end, and the lower tree unchanged in both.
     */
    @Test
    void cowMatchesTheKernelsOverlayfs() throws IOException {
        assumeOverlayfs();
        String listing = " && echo '== the tree' && python3 " + tree + " view .";
        Path d = scratch.resolve("ops");
        Run kernel = inOverlayfs(d, "bash " + ops + " tree", "bash " + ops + " ops" + listing);
        assertTrue(kernel.stdout().contains("EXDEV") && kernel.stdout().contains("reborn/old1"), kernel.stdout());
        Run view = inCowView(d, "bash " + ops + " tree", "bash " + ops + " ops" + listing);
        assertEquals(kernel, view);
        // A holds the changes in VUOS's format: a copied-up file, a whiteout.
        assertAll(
                () -> assertEquals("line1\nmore\n", Files.readString(d.resolve("A/append.txt"))),
                () -> assertWhiteout(d.resolve("A"), "d/inner.txt"),
                () -> assertWhiteout(d.resolve("A"), "empty"));
        // ...and they are all there is: a new session over the same A and B shows the same tree.
        Run again = Run.umvu(d, "", List.of(), List.of("bash", "-c", "vumount -t vufs -o cow \"$PWD/A\" \"$PWD/B\" && cd B" + listing));
        assertEquals(new Run(kernel.stdout().substring(kernel.stdout().indexOf("== the tree\n")), "", 0), again,
                "a second session over the same A");
    }

    /**
     * Directory fds that a cow view lets the kernel hold (directories of one layer) or serves
     * (merged ones), opened before changes in them: what getdents reads through them before
     * and after a rewind and through a dup, what fstat says of them, fchmod, fchdir, opens
     * relative to them and a walk by fds (os.fwalk compares each directory's fstat with its
     * lstat), as in overlayfs.
     */
    @Test
    void directoryFdsAcrossChangesAsInTheKernelsOverlayfs() {
        assumeOverlayfs();
        Path script = Run.resourceIn(scratch, "union-directory-fds.py");
        Path d = scratch.resolve("directory-fds");
        Run kernel = inOverlayfs(d, "python3 " + script + " tree", "python3 " + script + " ops");
        assertTrue(kernel.stdout().contains("after the changes 0 ['b', 'c', 'made', 'sub']"), kernel.stdout());
        assertEquals(kernel, inCowView(d, "python3 " + script + " tree", "python3 " + script + " ops"));
    }

    /**
     * cp -a and tar x over an existing tree, git checkout, python3 -m venv, make install, sed -i
     * and rm -rf: the same output and the same tree in a cow view as on a plain directory, and
     * the view's host directory unchanged.
     */
    @Test
    void realProgramsInACowViewAsOnAPlainDirectory() {
        // What a program writes that no two runs share: git's index holds inode numbers and
        // times, compiled python carries its source's time.
        String listing = " && python3 " + tree + " view . repo/.git __pycache__";
        Path d = scratch.resolve("programs");
        prepare(d, "bash " + programs + " setup");
        Run natively = Run.of(d.resolve("B"), "", List.of("bash", "-c", "bash " + programs + " run" + listing));
        assertEquals(0, natively.status(), "the native run failed: " + natively);
        assertTrue(natively.stdout().contains("tool 2") && natively.stdout().contains("color=blue"), natively.stdout());
        if (!natively.stdout().contains("pip ")) {
            System.out.println("VufsUnionIT: ensurepip is missing (Debian: python3-venv), the venv is made --without-pip");
        }

        prepare(d, "bash " + programs + " setup", "A");
        String before = hostTree(d.resolve("B"));
        Run view = Run.umvu(d, "", List.of(), List.of("bash", "-c",
                "vumount -t vufs -o cow \"$PWD/A\" \"$PWD/B\" && cd B && bash " + programs + " run" + listing));
        assertEquals(natively, view);
        assertEquals(before, hostTree(d.resolve("B")), "the cow view wrote B on the host");
    }

    /**
     * mincow as an unprivileged user: what the user may write is written in B, what they may
     * not is copied into A (a file) or hidden by a whiteout (a removal), and B's copy stays.
     */
    @Test
    void mincowGivesAnUnprivilegedUserPrivateCopies() throws IOException {
        assumeRoot("files owned by root and by nobody, and dropping to nobody");
        Path d = scratch.resolve("mincow");
        // The scratch directory is private to root (0700); nobody must reach d.
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        prepare(d, """
                mkdir -p B/mine && echo mine > B/mine.txt && echo root > B/root.txt && echo rm-me > B/rm-me.txt
                echo gone > B/mine/gone.txt && echo w > B/writable.txt && chmod 666 B/writable.txt
                chown -R %1$s:%1$s A B/mine B/mine.txt
                """.formatted(NOBODY), "A");
        List<String> asNobody = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        Run usable = Run.of(d, "", concat(asNobody, List.of(Run.UMVU.toString(), "ls", d.toString())));
        assumeTrue(usable.status() == 0, "umvu in " + Run.ROOT + " cannot run as uid " + NOBODY
                + " (the repository and the JDK must be readable by that user): " + usable);
        // Natively that user may not write root.txt nor remove rm-me.txt nor create in B: in
        // the view every one of these must work anyway.
        Run natively = Run.of(d, "", concat(asNobody, List.of("sh", "-c",
                "echo more >> B/root.txt; rm B/rm-me.txt; echo new > B/new.txt")));
        assertEquals(new Run("", "sh: 1: cannot create B/root.txt: Permission denied\n"
                + "rm: cannot remove 'B/rm-me.txt': Permission denied\n"
                + "sh: 1: cannot create B/new.txt: Permission denied\n", 2), natively);

        Run view = Run.of(d, "", concat(asNobody, List.of(Run.UMVU.toString(), "sh", "-c", """
                vumount -t vufs -o mincow "$PWD/A" "$PWD/B" || exit 1
                cd B
                echo more >> mine.txt && cat mine.txt
                echo more >> root.txt && cat root.txt
                rm rm-me.txt && rm mine/gone.txt && echo new > new.txt && cat new.txt
                ls -A . mine
                python3 -c '%s'
                """.formatted(CREATING_OPEN_AND_A_WRITER_ACROSS_A_COPY_UP))));
        assertEquals(new Run("mine\nmore\nroot\nmore\nnew\n.:\nmine\nmine.txt\nnew.txt\nroot.txt\nwritable.txt\n\nmine:\n"
                + "created 3 False\nwrote 2 then 3\n", "", 0), view);
        Path a = d.resolve("A");
        Path b = d.resolve("B");
        assertAll(
                () -> assertEquals("mine\nmore\n", Files.readString(b.resolve("mine.txt")), "the writable file is written in B"),
                () -> assertFalse(Files.exists(a.resolve("mine.txt")), "the writable file was copied up"),
                () -> assertEquals("root\n", Files.readString(b.resolve("root.txt"))),
                () -> assertEquals("root\nmore\n", Files.readString(a.resolve("root.txt")), "the private copy in A"),
                () -> assertEquals("rm-me\n", Files.readString(b.resolve("rm-me.txt"))),
                () -> assertWhiteout(a, "rm-me.txt"),
                () -> assertFalse(Files.exists(b.resolve("mine/gone.txt")), "a removable file is removed in B"),
                () -> assertEquals("new\n", Files.readString(a.resolve("new.txt"))),
                () -> assertFalse(Files.exists(b.resolve("new.txt"))),
                () -> assertEquals("abc", Files.readString(a.resolve("ro"))),
                () -> assertEquals("ab", Files.readString(b.resolve("writable.txt")), "written in B while B lets it"),
                () -> assertEquals("abcde", Files.readString(a.resolve("writable.txt")), "the copy-up and the writes after it"));
    }

    /**
     * nochcopy: chmod and chown of a file of B record its attributes in A/.- (VUOS's virtual
     * metadata, one {@code key=value} a line) instead of copying it up; a later session sees them.
     */
    @Test
    void nochcopyRecordsAttributesInsteadOfCopying() throws IOException {
        assumeRoot("chown to another owner");
        Path d = prepare(scratch.resolve("nochcopy"), "echo x > B/f && chmod 644 B/f", "A", "B");
        String before = hostTree(d.resolve("B"));
        Run run = Run.umvu(d, "", List.of(), List.of("bash", "-c", """
                vumount -t vufs -o cow,nochcopy "$PWD/A" "$PWD/B" || exit 1
                chmod 600 B/f && chown 5:6 B/f && stat -c '%a %u:%g' B/f && cat B/f
                """));
        assertEquals(new Run("600 5:6\nx\n", "", 0), run);
        assertFalse(Files.exists(d.resolve("A/f")), "nochcopy copied the file up");
        List<String> metadata = Files.readAllLines(d.resolve("A/.-/f\u007f"));
        assertTrue(metadata.containsAll(List.of("mode=0600", "uid=5", "gid=6")), metadata.toString());
        assertEquals(before, hostTree(d.resolve("B")), "the cow view wrote B on the host");
        Run again = Run.umvu(d, "", List.of(), List.of("bash", "-c",
                "vumount -t vufs -o cow \"$PWD/A\" \"$PWD/B\" && stat -c '%a %u:%g' B/f"));
        assertEquals(new Run("600 5:6\n", "", 0), again, "a second session over the same A");
    }

    /**
     * A fifo of a cow view: its reader sees the end as soon as the writer closes (while the
     * writer lives on); hard links of B copied up apart show apart (another st_ino once their
     * contents differ); a union over a union (no host directory to show) and a symlink at A/.-
     * (the shadow's writes would follow it) are refused.
     */
    @Test
    void fifosHardLinksAndTheShadowDirectory() throws IOException {
        Path d = prepare(scratch.resolve("edges"), "mkfifo B/fifo && echo x > B/f && ln B/f B/hard && ln -s ../B C/.-",
                "A", "B", "C");
        String before = hostTree(d.resolve("B"));
        Run run = Run.umvu(d, "", List.of(), List.of("bash", "-c", """
                vumount -t vufs -o cow "$PWD/A" "$PWD/B" || exit 1
                cd B
                (exec 3>fifo; echo data >&3; exec 3>&-; sleep 5) &
                start=$(date +%s); cat fifo; [ $(($(date +%s) - start)) -lt 3 ] && echo "end in time"
                kill %1
                echo more >> f && [ "$(stat -c %i f)" != "$(stat -c %i hard)" ] && cat f hard
                cd .. && vumount -t vufs -o cow "$PWD/C" "$PWD/B"; echo "over a union $?"
                vuumount B && vumount -t vufs -o cow "$PWD/C" "$PWD/B"; echo "symlinked shadow $?"
                """));
        assertEquals(new Run("data\nend in time\nx\nmore\nx\nover a union 1\nsymlinked shadow 1\n",
                "vumount: mounting on " + d + "/B: Operation not supported\n"
                        + "vumount: mounting on " + d + "/B: Not a directory\n", 0), run);
        assertEquals(before, hostTree(d.resolve("B")), "the cow view wrote B on the host");
    }

    /**
     * Under a root umvu the kernel's checks are made for the guest's own ids and umask, which
     * the hypervisor keeps between calls: a change of either (umask, setuid) is seen at once,
     * and a umask set by one thread holds for the others (they share it). A thread of another
     * uid lists the view's directories it may read (held ones: it could not open a placeholder).
     */
    @Test
    void umaskAndIdChangesAreSeenAtOnce() {
        assumeRoot("a process that drops to nobody");
        Path d = prepare(scratch.resolve("ids"), "chmod 755 B", "A", "B");
        Run run = Run.umvu(d, "", List.of(), List.of("bash", "-c", """
                vumount -t vufs -o cow "$PWD/A" "$PWD/B" || exit 1
                cd B && python3 -c '
                import os, threading
                os.umask(0o077); os.mkdir("a"); os.umask(0o022); os.mkdir("b")
                t = threading.Thread(target=os.umask, args=(0o027,)); t.start(); t.join()
                os.mkdir("c")
                os.setgroups([]); os.setgid(65534); os.setuid(65534)
                try:
                    open("d", "w")
                except PermissionError as e:
                    print("nobody may not write here:", e.strerror)
                print("but list it:", sorted(os.listdir(".")))
                try:
                    os.listdir("a")
                except PermissionError as e:
                    print("and not a:", e.strerror)
                '
                stat -c '%n %a' a b c
                """));
        assertEquals(new Run("nobody may not write here: Permission denied\nbut list it: ['a', 'b', 'c']\n"
                + "and not a: Permission denied\na 700\nb 755\nc 750\n", "", 0), run);
    }

    /** Wrong options, a missing A, A and B inside each other: a one-line error, non-zero, no mount. */
    @Test
    void badMountsAreRefusedWithOneLine() {
        Path d = prepare(scratch.resolve("bad"), "mkdir -p A/in B/sub && echo b > B/f");
        String before = hostTree(d.resolve("B"));
        Run run = Run.umvu(d, "", List.of(), List.of("bash", "-c", """
                D=$PWD
                vumount -t vufs -o bogus "$D/A" "$D/B"; echo "bogus $?"
                vumount -t vufs -o cow,bogus "$D/A" "$D/B"; echo "cow,bogus $?"
                vumount -t vufs -o cow,mincow "$D/A" "$D/B"; echo "two modes $?"
                vumount -t vufs -o cow "$D/missing" "$D/B"; echo "missing A $?"
                vumount -t vufs -o cow "$D/B/sub" "$D/B"; echo "A inside B $?"
                vumount -t vufs -o cow "$D/A" "$D/A/in"; echo "B inside A $?"
                vumount -t vufs -o cow "$D/B" "$D/B"; echo "A is B $?"
                grep -c vufs /proc/mounts
                cat B/f
                """));
        String mountingOn = "vumount: mounting on " + d;
        assertEquals(new Run("bogus 1\ncow,bogus 1\ntwo modes 1\nmissing A 1\nA inside B 1\nB inside A 1\nA is B 1\n0\nb\n",
                mountingOn + "/B: Invalid argument\n"
                        + mountingOn + "/B: Invalid argument\n"
                        + mountingOn + "/B: Invalid argument\n"
                        + mountingOn + "/B: No such file or directory\n"
                        + mountingOn + "/B: Invalid argument\n"
                        + mountingOn + "/A/in: Invalid argument\n"
                        + mountingOn + "/B: Invalid argument\n", 0), run);
        assertEquals(before, hostTree(d.resolve("B")));
    }

    /**
     * A corrupt metadata file in A/.- (the name plus 0x7f, holding garbage): ignored, the view
     * still works, its file shows B's attributes and can be written.
     */
    @Test
    void corruptMetadataIsIgnored() throws IOException {
        Path d = prepare(scratch.resolve("corrupt"), "mkdir -p A/.- B/sub && echo b > B/f && chmod 640 B/f");
        byte[] garbage = new byte[600];
        new Random(7).nextBytes(garbage);
        byte[] lines = "\0\377mode=99999999999999999999\nuid=-x\ngid=\ntype=q\nrdev=,\n=\nmode\n".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(lines, 0, garbage, 0, lines.length);
        Files.write(d.resolve("A/.-/f\u007f"), garbage);
        Files.write(d.resolve("A/.-/sub\u007f"), garbage);
        Run run = Run.umvu(d, "", List.of(), List.of("bash", "-c", """
                vumount -t vufs -o cow "$PWD/A" "$PWD/B" || exit 1
                cd B && stat -c '%n %F %a' f sub && cat f && ls
                echo more >> f && cat f && touch sub/new && ls sub
                """));
        assertEquals(new Run("f regular file 640\nsub directory 755\nb\nf\nsub\nb\nmore\nnew\n", "", 0), run);
    }

    /** except=/keep: the subtree keep is the host's, written directly; the rest is the union. */
    @Test
    void exceptSubtreesAreTheHosts() throws IOException {
        Path d = prepare(scratch.resolve("except"), """
                mkdir -p A B/keep/deep B/other && echo k > B/keep/old && echo r > B/keep/rm-me && echo o > B/other/old
                echo f > B/f
                """);
        Run run = Run.umvu(d, "", List.of(), List.of("bash", "-c", """
                vumount -t vufs -o cow,except=/keep "$PWD/A" "$PWD/B" || exit 1
                cd B
                echo new > keep/new && echo more >> keep/old && rm keep/rm-me && mkdir keep/dir && echo d > keep/deep/d
                echo new > other/new && echo more >> other/old && echo more >> f && rm other/old
                ls -A keep other
                python3 -c 'import os; d = os.open(".", os.O_RDONLY); print(os.read(os.open("keep/old", os.O_RDONLY, dir_fd=d), 99))'
                """));
        assertEquals(new Run("keep:\ndeep\ndir\nnew\nold\n\nother:\nnew\nb'k\\nmore\\n'\n", "", 0), run);
        Path a = d.resolve("A");
        Path b = d.resolve("B");
        assertAll(
                () -> assertEquals("new\n", Files.readString(b.resolve("keep/new"))),
                () -> assertEquals("k\nmore\n", Files.readString(b.resolve("keep/old"))),
                () -> assertFalse(Files.exists(b.resolve("keep/rm-me")), "rm under except= removes on the host"),
                () -> assertTrue(Files.isDirectory(b.resolve("keep/dir"))),
                () -> assertEquals("d\n", Files.readString(b.resolve("keep/deep/d"))),
                () -> assertFalse(Files.exists(a.resolve("keep")), "A got something of the excepted subtree"),
                () -> assertFalse(Files.exists(a.resolve(".-/keep")), "A got something of the excepted subtree"),
                () -> assertEquals("new\n", Files.readString(a.resolve("other/new"))),
                () -> assertFalse(Files.exists(b.resolve("other/new"))),
                () -> assertEquals("o\n", Files.readString(b.resolve("other/old"))),
                () -> assertWhiteout(a, "other/old"),
                () -> assertEquals("f\nmore\n", Files.readString(a.resolve("f"))),
                () -> assertEquals("f\n", Files.readString(b.resolve("f"))));
    }

    private static final String OVERLAY_OPTIONS = "redirect_dir=off,index=off,metacopy=off";

    /** Skips the test where the kernel's overlayfs, the oracle, cannot be mounted. */
    private static void assumeOverlayfs() {
        assumeRoot("overlay mounts and files of another owner");
        Path probe = Run.fresh(scratch.resolve("probe"));
        Run canMount = Run.of(probe, "", List.of("sh", "-c", "mkdir l u w m && unshare --mount --propagation private"
                + " mount -t overlay overlay -o lowerdir=l,upperdir=u,workdir=w," + OVERLAY_OPTIONS + " m"));
        assumeTrue(canMount.status() == 0, "the kernel's overlayfs, the oracle, is unavailable here: " + canMount);
    }

    /**
     * Runs {@code run} (bash) in {@code d}/B, where overlayfs (redirect_dir, index and metacopy
     * off: what vufs's cow follows) lays an upper directory over the tree {@code setup} made; the
     * run must succeed without a word on stderr and leave the lower tree as it was.
     */
    private static Run inOverlayfs(Path d, String setup, String run) {
        prepare(d, "cd B && " + setup, "B", "U", "W");
        String lower = hostTree(d.resolve("B"));
        Run kernel = Run.of(d, "", List.of("unshare", "--mount", "--propagation", "private", "bash", "-c",
                "mount -t overlay overlay -o lowerdir=\"$PWD/B\",upperdir=\"$PWD/U\",workdir=\"$PWD/W\"," + OVERLAY_OPTIONS
                        + " \"$PWD/B\" && cd B && " + run));
        assertEquals(0, kernel.status(), "the kernel's run failed: " + kernel);
        assertEquals("", kernel.stderr());
        assertEquals(lower, hostTree(d.resolve("B")), "overlayfs wrote its lower layer: the test is wrong");
        return kernel;
    }

    /** Runs {@code run} (bash) in a cow view of the tree {@code setup} made in {@code d}/B, which must stay as it was. */
    private static Run inCowView(Path d, String setup, String run) {
        prepare(d, "cd B && " + setup, "B", "A");
        String lower = hostTree(d.resolve("B"));
        Run view = Run.umvu(d, "", List.of(), List.of("bash", "-c",
                "vumount -t vufs -o cow \"$PWD/A\" \"$PWD/B\" && cd B && " + run));
        assertEquals(lower, hostTree(d.resolve("B")), "the cow view wrote B on the host");
        return view;
    }

    /** Makes {@code d} afresh, with empty directories {@code dirs} and whatever {@code setup} (bash, run in d) makes. */
    private static Path prepare(Path d, String setup, String... dirs) {
        Run.fresh(d);
        List<String> command = new ArrayList<>(List.of("bash", "-c", "mkdir -p \"$@\" && " + setup, "prepare"));
        command.addAll(List.of(dirs));
        if (dirs.length == 0) {
            command.add(".");
        }
        Run made = Run.of(d, "", command);
        assertEquals(0, made.status(), "setting up " + d + " failed: " + made);
        return d;
    }

    /** A fingerprint of a host tree that any change to it alters (union-tree.py host). */
    private static String hostTree(Path dir) {
        Run run = Run.of(scratch, "", List.of("python3", tree.toString(), "host", dir.toString()));
        assertEquals(0, run.status(), run.toString());
        return run.stdout();
    }

    /** VUOS's whiteout of {@code rel} in {@code a}: an empty regular file a/.-/rel. */
    private static void assertWhiteout(Path a, String rel) throws IOException {
        Path whiteout = a.resolve(".-").resolve(rel);
        assertTrue(Files.isRegularFile(whiteout, LinkOption.NOFOLLOW_LINKS), "no whiteout " + whiteout);
        assertEquals(0, Files.size(whiteout), "the whiteout " + whiteout + " is not empty");
    }

    private static void assumeRoot(String why) {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (" + why + ")");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
