package jvuos.vunet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.module.VuException;
import jvuos.ptrace.DirectCalls;

/**
 * vunetvdestack: a network stack of the kernel's own, in new user and network namespaces that a
 * small helper process holds ({@code vdestack-helper}), with one tap interface (vde0) whose
 * frames a thread of the stack carries to and from a VDE network through libvdeplug. Sockets
 * are the kernel's, made by the helper in that namespace and taken from it with
 * pidfd_getfd(2): netlink (`ip addr`), ICMP, TCP, UDP, IPv6 and packet sockets behave as the
 * kernel makes them behave, at the kernel's speed, and the guest holds them as its own.
 *
 * <p>Everything that may make a child process (the helper; libvdeplug's {@code cmd://}
 * plugin) runs on the stack's own thread, the carrier, which owns the VDE connection and the
 * tap and ends the helper before it ends: a child of the tracer's thread would be reported to
 * the tracer's wait4, which must see only the guest.
 */
final class VdeStack extends StackFileSystem {
    private static final Logger log = LoggerFactory.getLogger("jvuos.vunet");
    private static final String HELPER = "vdestack-helper";
    /** The most frames moved from one side at one wake-up, so that neither side waits long. */
    private static final int BURST = 64;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    /** How long the helper may take to answer: it answers at once unless something is wrong with it. */
    private static final long ANSWER_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** The host calls of every stack (one thread at a time: it reuses its buffers). */
    private static final HostFiles HOST = new HostFiles();
    private static int helperFd = -1;

    private final String url;
    private final String interfaceName;
    private final String mac;
    private final VdePlug vde;
    private final Frames libc;
    private final Thread carrier;
    /** Completed by the carrier once the stack runs (or failed to start). */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    /** A pipe whose write end stops the carrier; -1 once the carrier closed it. */
    private final int[] stop = {-1, -1};
    private volatile Process helper;
    private int helperPidfd = -1;
    private OutputStream requests;
    private BufferedReader replies;
    /** Set once the stack has no network any more: its helper gone, or the unmount. */
    private volatile boolean down;

    private VdeStack(String url, String interfaceName, String mac, VdePlug vde, Frames libc) {
        this.url = url;
        this.interfaceName = interfaceName;
        this.mac = mac;
        this.vde = vde;
        this.libc = libc;
        this.carrier = new Thread(this::run, "vdestack " + url);
        carrier.setDaemon(true);
    }

    /** Connects to the VDE network at {@code url}, starts the namespace, and carries frames between them. */
    static VdeStack start(String url, String interfaceName, String mac) throws VuException {
        VdePlug vde;
        Frames libc;
        try {
            vde = VdePlug.load();
            libc = Frames.load();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new VuException(Errno.ENOSYS, "libvdeplug is not installed (Debian: libvdeplug2): " + e.getMessage());
        }
        VdeStack stack = new VdeStack(url, interfaceName, mac, vde, libc);
        stack.carrier.start();
        try {
            stack.started.get(10, TimeUnit.SECONDS);
            return stack;
        } catch (ExecutionException e) {
            stack.close();
            throw e.getCause() instanceof VuException v ? v : new VuException(Errno.EIO, String.valueOf(e.getCause()));
        } catch (TimeoutException | InterruptedException e) {
            stack.close();
            throw new VuException(Errno.ETIMEDOUT, "the stack's namespace did not start");
        }
    }

    /** The carrier thread's life: the connection, the helper and the tap, and frames until the stack stops. */
    private void run() {
        Pointer connection = null;
        int tap = -1;
        try {
            connection = vde.vde_open_real(url, "jvuos vdestack", VdePlug.INTERFACE_VERSION, null);
            if (connection == null) {
                int errno = DirectCalls.errno();
                throw new VuException(errno > 0 ? errno : Errno.ENXIO, "cannot reach the VDE network " + url);
            }
            if (down) {
                return; // the mount gave up waiting meanwhile
            }
            synchronized (this) {
                if (libc.pipe2(stop, O_CLOEXEC) < 0) {
                    throw new VuException(Errno.EMFILE, "no pipe for the stack's thread");
                }
            }
            tap = startHelper();
            started.complete(null);
            log.debug("vdestack {}: tap fd {}, helper pid {}", url, tap, helper.pid());
            carry(connection, tap);
        } catch (VuException e) {
            started.completeExceptionally(e);
        } catch (RuntimeException | Error e) {
            started.completeExceptionally(e);
            log.warn("vdestack {}: {}", url, e.toString());
        } finally {
            down = true;
            if (tap >= 0) {
                libc.close(tap); // the tap interface goes with its last fd: the stack has no network
            }
            endHelper();
            if (connection != null) {
                vde.vde_close(connection);
            }
            synchronized (this) {
                if (stop[0] >= 0) {
                    libc.close(stop[0]);
                    libc.close(stop[1]);
                    stop[0] = stop[1] = -1;
                }
            }
        }
    }

    private int startHelper() throws VuException {
        String path = helperPath();
        ProcessBuilder pb = mac == null ? new ProcessBuilder(path, interfaceName) : new ProcessBuilder(path, interfaceName, mac);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            helper = pb.start();
        } catch (IOException e) {
            throw new VuException(Errno.ENOEXEC, "cannot start the stack's namespace: " + e.getMessage());
        }
        requests = helper.getOutputStream();
        replies = new BufferedReader(new InputStreamReader(helper.getInputStream(), StandardCharsets.US_ASCII));
        helper.onExit().thenRun(this::stopCarrying); // killed: the stack loses its network
        return take();
    }

    /** Ends the helper and waits for it: the carrier must outlive it. */
    private void endHelper() {
        Process p = helper;
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (HOST) {
            if (helperPidfd >= 0) {
                DirectCalls.close(helperPidfd);
                helperPidfd = -1;
            }
        }
    }

    /** The helper binary, from the module's jar into a memory file the kernel can exec. */
    private static String helperPath() throws VuException {
        synchronized (HOST) {
            if (helperFd < 0) {
                byte[] binary;
                try (InputStream in = VdeStack.class.getResourceAsStream(HELPER)) {
                    if (in == null) {
                        throw new VuException(Errno.ENOEXEC, HELPER + " is missing from the module's jar");
                    }
                    binary = in.readAllBytes();
                } catch (IOException e) {
                    throw new VuException(Errno.EIO, e.getMessage());
                }
                int fd = HOST.memoryFile(HELPER, binary);
                if (fd < 0) {
                    throw new VuException(-fd, "a memory file for " + HELPER);
                }
                helperFd = fd;
            }
            return "/proc/" + ProcessHandle.current().pid() + "/fd/" + helperFd;
        }
    }

    /**
     * Reads the helper's answer to a request: for "fd N", takes N from it (pidfd_getfd) and
     * always says "taken", so that the helper goes on; "errno E" and "error E WHAT" become the
     * errno. A helper that answers nothing in time, or nonsense, is ended: the stack is down.
     */
    private int take() throws VuException {
        String line = answer();
        String[] words = line.split(" ", 3);
        try {
            if (words[0].equals("fd") && words.length == 2) {
                int fd = Integer.parseInt(words[1]);
                int copy;
                synchronized (HOST) {
                    if (helperPidfd < 0) {
                        // Opened at its first fd, which it keeps until told: the pid is still the helper's.
                        helperPidfd = HOST.pidfd((int) helper.pid());
                    }
                    copy = helperPidfd < 0 ? helperPidfd : HOST.borrowFrom(helperPidfd, fd);
                }
                send("taken\n");
                if (copy < 0) {
                    throw new VuException(-copy, "taking an fd from the stack's namespace");
                }
                return copy;
            }
            if ((words[0].equals("errno") || words[0].equals("error")) && words.length >= 2) {
                int errno = Integer.parseInt(words[1]);
                throw new VuException(errno > 0 ? errno : Errno.EIO, words.length == 3 ? words[2] : "socket in the stack's namespace");
            }
        } catch (NumberFormatException e) {
            // nonsense: below
        }
        brokenHelper("said: " + line);
        throw new VuException(Errno.ENETDOWN, "the stack's namespace is broken");
    }

    /** The helper's next line, waited for at most {@link #ANSWER_NANOS}. */
    private String answer() throws VuException {
        long deadline = System.nanoTime() + ANSWER_NANOS;
        try {
            while (!replies.ready()) {
                if (!helper.isAlive() && !replies.ready()) {
                    down = true;
                    throw new VuException(Errno.ENETDOWN, "the stack's namespace is gone");
                }
                if (System.nanoTime() > deadline) {
                    brokenHelper("did not answer");
                    throw new VuException(Errno.ENETDOWN, "the stack's namespace does not answer");
                }
                Thread.onSpinWait();
                Thread.sleep(0, 100_000);
            }
            String line = replies.readLine();
            if (line == null) {
                down = true;
                throw new VuException(Errno.ENETDOWN, "the stack's namespace is gone");
            }
            return line;
        } catch (IOException e) {
            down = true;
            throw new VuException(Errno.ENETDOWN, "the stack's namespace is gone");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VuException(Errno.EINTR, "interrupted");
        }
    }

    private void brokenHelper(String what) {
        log.warn("vdestack {}: its namespace's helper {}; the stack is down", url, what);
        down = true;
        helper.destroyForcibly(); // the carrier then ends, and waits for it
    }

    private void send(String line) throws VuException {
        try {
            requests.write(line.getBytes(StandardCharsets.US_ASCII));
            requests.flush();
        } catch (IOException e) {
            down = true;
            throw new VuException(Errno.ENETDOWN, "the stack's namespace is gone");
        }
    }

    @Override
    public synchronized int socket(int family, int type, int protocol) throws VuException {
        if (!families().contains(family)) {
            throw new VuException(Errno.EAFNOSUPPORT, "not a family of the stack");
        }
        if (down) {
            throw new VuException(Errno.ENETDOWN, "the stack's namespace is gone");
        }
        send("socket " + family + " " + type + " " + protocol + "\n");
        return take();
    }

    /**
     * Carries frames between the tap and the VDE connection until stopped or either ends. Each
     * wake-up moves what is there on either side, up to {@link #BURST} frames, without waiting.
     */
    private void carry(Pointer connection, int tap) {
        Runtime runtime = Runtime.getSystemRuntime();
        Pointer frame = Memory.allocateDirect(runtime, VdePlug.FRAME_SIZE);
        Pointer polls = Memory.allocateDirect(runtime, 24); // three struct pollfd
        int[] fds = {tap, vde.vde_datafd(connection), stop[0]};
        for (int i = 0; i < fds.length; i++) {
            polls.putInt(i * 8, fds[i]);
            polls.putShort(i * 8 + 4, Frames.POLLIN);
        }
        // Both sides non-blocking: a wake-up takes what is there and no more.
        libc.fcntl(tap, F_SETFL, O_NONBLOCK);
        libc.fcntl(fds[1], F_SETFL, O_NONBLOCK);
        short ended = Frames.POLLERR | Frames.POLLHUP | Frames.POLLNVAL;
        while (!down && (libc.poll(polls, fds.length, -1) >= 0 || DirectCalls.errno() == Errno.EINTR)) {
            short fromTap = polls.getShort(6);
            short fromVde = polls.getShort(8 + 6);
            if (polls.getShort(2 * 8 + 6) != 0 || ((fromTap | fromVde) & ended) != 0) {
                break; // stopped, or one side is gone
            }
            for (int i = 0; (fromTap & Frames.POLLIN) != 0 && i < BURST; i++) {
                long n = libc.read(tap, frame, VdePlug.FRAME_SIZE);
                if (n <= 0) {
                    break;
                }
                vde.vde_send(connection, frame, n, 0);
            }
            for (int i = 0; (fromVde & Frames.POLLIN) != 0 && i < BURST; i++) {
                long n = vde.vde_recv(connection, frame, VdePlug.FRAME_SIZE, 0);
                if (n <= 0) {
                    break;
                }
                libc.write(tap, frame, n);
            }
        }
        log.debug("vdestack {}: no more frames", url);
    }

    /** Stops the carrier (from the helper's end, or the unmount). */
    private synchronized void stopCarrying() {
        down = true;
        if (stop[1] >= 0) {
            libc.write(stop[1], new byte[] {1}, 1);
        }
    }

    @Override
    public void unmount(boolean force) {
        close();
    }

    /**
     * Stops the stack and waits for its carrier, which frees what it holds; a carrier still in
     * libvdeplug's vde_open after that while is left to end by itself when the call returns.
     */
    private void close() {
        stopCarrying();
        Process p = helper;
        if (p != null) {
            p.destroy(); // a carrier still waiting for its first answer gets its end
        }
        try {
            carrier.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
