package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mounts made inside the view with the vu commands, vufs in bind mode: the kernel's own bind
 * mount (in a private mount namespace) is the oracle for what the view must show, and the
 * commands' errors, the module commands and the isolation of a view are checked directly.
 */
class VufsBindIT {
    @TempDir
    static Path scratch;
    static Path edges;

    @BeforeAll
    static void writeEdgeScript() {
        edges = Run.resourceIn(scratch, "path-edges.py");
    }

    /** A script under umvu in a fresh directory D (its cwd), with a tree src/{a.txt,sub/b} and an empty mnt. */
    private static Run inView(String name, String script, List<String> umvuOptions) {
        Path d = Run.fresh(scratch.resolve(name));
        String setup = "D=$PWD; mkdir -p src/sub mnt; echo hello > src/a.txt; echo deep > src/sub/b\n";
        return Run.umvu(d, "", umvuOptions, List.of("bash", "-c", setup + script));
    }

    private static Run inView(String name, String script) {
        return inView(name, script, List.of());
    }

    @Test
    void viewMatchesTheKernelsBindMount() {
        String script = Run.resource("bind-view.sh");
        Path d = scratch.resolve("tour");
        List<String> kernel = kernelMountNamespace();
        kernel.addAll(List.of("env", "MOUNT=mount --bind", "UMOUNT=umount", "EDGES=" + edges, "bash", "-c", script));
        Run natively = Run.of(Run.fresh(d), "", kernel);
        assertEquals(0, natively.status(), "the kernel's run failed: " + natively);
        Run view = Run.umvu(Run.fresh(d), "", List.of(),
                List.of("env", "MOUNT=vumount -t vufs", "UMOUNT=vuumount", "EDGES=" + edges, "bash", "-c", script));
        assertEquals(natively.stdout(), view.stdout());
        assertEquals(natively.stderr(), view.stderr());
        assertEquals(natively.status(), view.status());
        assertTrue(natively.stdout().contains("built in the mount"), natively.stdout());
    }

    /**
     * Random path operations (stat, open, mkdir, rename, link, symlink... through the mount,
     * around it, through symlinks into and out of it, relative to directory fds and to a cwd
     * inside it) give the same results, and leave the same tree, in the kernel's bind mount and
     * in the view. The seeds are fixed, so that a run fails only on a change (those "more"
     * also name the mount point itself, and rename and link relative to two directory fds and
     * with renameat2's flags); to look for new cases, {@code -Djvuos.fuzz.seeds=N} adds N random
     * seeds of the "more" kind (each named in a failure).
     */
    @Test
    void randomOperationsMatchTheKernelsBindMount() {
        Path fuzz = Run.resourceIn(scratch, "path-fuzz.py");
        List<String> kernel = kernelMountNamespace();
        // The script's arguments after the tree: a seed, the number of operations, the kind.
        List<String> runs = new ArrayList<>();
        for (long seed : List.of(1L, 2L, 3L, 29L, 107359L, 338746L, 773134L)) {
            runs.add(seed + " 400");
        }
        for (long seed : List.of(1L, 2L, 3L, 4L, 6L, 317339L, 3260773L)) {
            runs.add(seed + " 400 more");
        }
        new java.util.Random().longs(Integer.getInteger("jvuos.fuzz.seeds", 0), 0, 10_000_000)
                .forEach(seed -> runs.add(seed + " 400 more"));
        for (String run : runs) {
            String script = "FUZZ_MAKE_TREE=1 python3 " + fuzz + " \"$PWD\" 0 0 && $MOUNT \"$PWD/t/u/src\" \"$PWD/t/u/mnt\""
                    + " && python3 " + fuzz + " \"$PWD\" " + run + " && find . | sort";
            Path d = scratch.resolve("fuzz");
            List<String> natively = new ArrayList<>(kernel);
            natively.addAll(List.of("env", "MOUNT=mount --bind", "sh", "-c", script));
            Run expected = Run.of(Run.fresh(d), "", natively);
            assertEquals(0, expected.status(), "fuzz " + run + ": the kernel's run failed: " + expected);
            Run view = Run.umvu(Run.fresh(d), "", List.of(), List.of("env", "MOUNT=vumount -t vufs", "sh", "-c", script));
            assertEquals(expected, view, "fuzz " + run);
        }
    }

    /** unshare's arguments for a private mount namespace in which this user may bind-mount; the test is skipped where none can be had. */
    private static List<String> kernelMountNamespace() {
        List<String> kernel = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        if (!"root".equals(System.getProperty("user.name"))) {
            kernel.add("--map-root-user"); // an unprivileged user mounts in a user namespace of its own
        }
        List<String> probe = new ArrayList<>(kernel);
        probe.addAll(List.of("mount", "--bind", "/", "/mnt"));
        Run canMount = Run.of(scratch, "", probe);
        assumeTrue(canMount.status() == 0, "the kernel's bind mounts, the oracle, are unavailable here: " + canMount);
        return kernel;
    }

    @Test
    void sameInLegacyPtraceMode() {
        Run run = inView("legacy", """
                vumount -t vufs "$D/src" "$D/mnt" && cd mnt/sub && pwd && cat ../a.txt b && cd / && vuumount "$D/mnt" && ls "$D/mnt"
                """, List.of("-S"));
        assertEquals(new Run(scratch.resolve("legacy/mnt/sub") + "\nhello\ndeep\n", "", 0), run);
    }

    @Test
    void mountListsInProcMountsAndVumount() {
        Run run = inView("list", """
                vumount -t vufs -o ro "$D/src" "$D/mnt" || exit 1
                vumount
                tail -n 1 /proc/mounts
                tail -n 1 /proc/self/mountinfo | cut -d' ' -f 4-
                grep -c vufs /proc/$$/mounts
                vuumount "$D/mnt"
                vumount
                grep -c vufs /proc/mounts
                """);
        String d = scratch.resolve("list").toString();
        assertEquals(new Run(d + "/src on " + d + "/mnt type vufs (ro)\n"
                + d + "/src " + d + "/mnt vufs ro 0 0\n"
                + "/ " + d + "/mnt ro - vufs " + d + "/src ro\n"
                + "1\n"
                + "0\n", "", 1), run);
    }

    @Test
    void readOnlyMountRefusesWrites() {
        Run run = inView("ro", """
                vumount -r -t vufs "$D/src" "$D/mnt" && cat mnt/a.txt
                touch mnt/new; echo hi >> mnt/a.txt; mkdir mnt/d; rm mnt/a.txt; ls src
                """);
        assertEquals("hello\na.txt\nsub\n", run.stdout());
        assertEquals("touch: cannot touch 'mnt/new': Read-only file system\n"
                + "bash: line 3: mnt/a.txt: Read-only file system\n"
                + "mkdir: cannot create directory ‘mnt/d’: Read-only file system\n"
                + "rm: cannot remove 'mnt/a.txt': Read-only file system\n", run.stderr());
    }

    @Test
    void mountNeedsNoExistingTarget() {
        Run run = inView("missing", """
                vumount -t vufs "$D/src" "$D/no/such/dir" && ls "$D/no/such/dir" && cat no/such/dir/sub/b
                ls no 2>&1; vuumount "$D/no/such/dir"; ls no/such/dir 2>&1
                """);
        assertEquals("a.txt\nsub\ndeep\nls: cannot access 'no': No such file or directory\n"
                + "ls: cannot access 'no/such/dir': No such file or directory\n", run.stdout());
        assertEquals(0 + 2, run.status());
    }

    @Test
    void commandErrorsAreOneLineAndNonZero() {
        String d = scratch.resolve("errors").toString();
        Run run = inView("errors", """
                vumount -t nosuchfs none "$D/mnt"; echo "unknown type $?"
                vumount -t vufs -o bogus "$D/src" "$D/mnt"; echo "bad option $?"
                vumount -t vufs "$D/nonexistent" "$D/mnt"; echo "missing source $?"
                vumount -t vufs "$D/src"; echo "usage $?"
                vuumount "$D/src"; echo "not a mount $?"
                vumount -t vufs "$D/src" "$D/mnt"
                cd mnt; vuumount "$D/mnt"; echo "busy $?"; cd ..
                vuumount "$D/mnt"; echo "unmounted $?"
                """);
        assertEquals("unknown type 1\nbad option 1\nmissing source 1\nusage 2\nnot a mount 1\nbusy 1\nunmounted 0\n",
                run.stdout());
        assertEquals("vumount: mounting on " + d + "/mnt: No such device\n"
                + "vumount: mounting on " + d + "/mnt: Invalid argument\n"
                + "vumount: mounting on " + d + "/mnt: No such file or directory\n"
                + "usage: vumount [-t TYPE] [-o OPTIONS] [-r|-w] SOURCE TARGET\n"
                + "vuumount: unmounting " + d + "/src: Invalid argument\n"
                + "vuumount: unmounting " + d + "/mnt: Device or resource busy\n", run.stderr());
    }

    @Test
    void moduleCommands() {
        Run run = inView("modules", """
                echo "loaded: $(vu_lsmod)"
                vu_insmod nosuchmodule; echo "insmod unknown $?"
                vumount -t vufs "$D/src" "$D/mnt"
                vu_lsmod
                vu_rmmod vufs; echo "rmmod in use $?"
                vuumount "$D/mnt"
                vu_rmmod vufs; echo "rmmod $?"
                echo "loaded: $(vu_lsmod)"
                vu_insmod -p vufs; vu_rmmod vufs; echo "rmmod permanent $?"
                """);
        assertEquals("loaded: \ninsmod unknown 1\n"
                + "vufs: virtual file system: a host directory shown at another path (bind), or over it (merge, cow, mincow)\n"
                + "rmmod in use 1\nrmmod 0\nloaded: \nrmmod permanent 1\n", run.stdout());
        assertEquals("vu_insmod: loading module nosuchmodule: No such file or directory\n"
                + "vu_rmmod: removing module vufs: Device or resource busy\n"
                + "vu_rmmod: removing module vufs: Operation not permitted\n", run.stderr());
    }

    @Test
    void commandsAreOnPathInsideAndRefuseToRunOutside() {
        Path vubin = Run.ROOT.resolve("cli/target/vubin");
        Run inside = Run.umvu(scratch, "", List.of(), List.of("sh", "-c", "echo \"$PATH\""));
        assertEquals(System.getenv("PATH") + ":" + vubin + "\n", inside.stdout());
        Run outside = Run.of(scratch, "", List.of(vubin.resolve("vumount").toString(), "-t", "vufs", "/tmp", "/mnt"));
        assertEquals(new Run("", "vumount: not running inside umvu\n", 1), outside);
    }

    @Test
    void processesThatPredateTheMountSeeIt() {
        // A shell loop and a multi-threaded python started before the mount: their own calls
        // (not just their children's) must see it, so their filters grow while they run. A
        // process blocked in epoll_wait meanwhile must not see a stray EINTR.
        Run run = inView("predate", """
                printf '#include <stdio.h>\\n#include <sys/epoll.h>\\nint main(void) { struct epoll_event e;
                  int n = epoll_wait(epoll_create1(0), &e, 1, 1500); printf("epoll_wait: %%d\\\\n", n); return 0; }' > epw.c
                gcc -o epw epw.c || exit 1
                ./epw &
                (while [ ! -e ready ]; do sleep 0.02; done; read line < mnt/a.txt; echo "subshell: $line") &
                python3 -c '
                import os, threading, time
                def worker():
                    while not os.path.exists("ready"): time.sleep(0.02)
                    print("thread:", open("mnt/sub/b").read().strip(), flush=True)
                t = threading.Thread(target=worker); t.start(); t.join()
                print("main:", sorted(os.listdir("mnt")), flush=True)
                ' &
                sleep 0.3
                vumount -t vufs "$D/src" "$D/mnt" && touch ready
                wait
                """);
        assertEquals(0, run.status(), run.toString());
        List<String> lines = run.stdout().lines().sorted().toList();
        assertEquals(List.of("epoll_wait: 0", "main: ['a.txt', 'sub']", "subshell: hello", "thread: deep"), lines);
    }

    @Test
    void aMountIsInvisibleToTheHostAndToAnotherSession() throws Exception {
        Path d = Run.fresh(scratch.resolve("isolation"));
        Files.createDirectories(d.resolve("src"));
        Files.writeString(d.resolve("src/only-in-src"), "x");
        Files.createDirectories(d.resolve("mnt"));
        Files.writeString(d.resolve("mnt/only-on-host"), "y");
        CompletableFuture<Run> session = CompletableFuture.supplyAsync(() -> Run.umvu(d, "", List.of(), List.of("sh", "-c",
                "vumount -t vufs src mnt && ls mnt && touch ready && while [ ! -e go ]; do sleep 0.02; done")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(d.resolve("ready")) && System.nanoTime() < deadline && !session.isDone()) {
            Thread.sleep(20);
        }
        try {
            assertTrue(Files.exists(d.resolve("ready")), "the mounting session did not get ready: " + (session.isDone() ? session.join() : ""));
            try (var host = Files.list(d.resolve("mnt"))) {
                assertEquals(List.of("only-on-host"), host.map(p -> p.getFileName().toString()).toList());
            }
            Run other = Run.umvu(d, "", List.of(), List.of("sh", "-c", "ls mnt; vumount; grep -c vufs /proc/mounts"));
            assertEquals(new Run("only-on-host\n0\n", "", 1), other);
        } finally {
            Files.writeString(d.resolve("go"), "");
        }
        assertEquals(new Run("only-in-src\n", "", 0), session.get(60, TimeUnit.SECONDS));
    }
}
