package jvuos.tracer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jvuos.errno.Errno;
import jvuos.ptrace.DirectCalls;
import jvuos.ptrace.Native;

/**
 * Gives a guest thread an fd of the hypervisor (a socket of a module's network stack), at
 * the number the kernel would have given it: the thread's call is turned into a socket(2)
 * call marked with {@link #MAGIC} in an argument socket(2) ignores, which the launcher's second
 * filter parks for the supervisor (SECCOMP_RET_USER_NOTIF; a socket call, so that a guest's own
 * seccomp filter judges it as it would judge the guest's socket call). A thread of this class
 * receives the notification and answers it with SECCOMP_IOCTL_NOTIF_ADDFD and
 * SECCOMP_ADDFD_FLAG_SEND, which installs the fd at the lowest free number and makes that
 * number the call's result. A marked call nobody asked for fails with ENOSYS.
 */
public final class FdHandover {
    public static final int SYS_SOCKET = 41;
    /** The argument that carries the mark: socket(2) takes three. */
    public static final int MAGIC_ARG = 3;
    public static final long MAGIC = 0x6a76756f73666473L;
    private static final Logger log = LoggerFactory.getLogger("jvuos.tracer");
    private static final int SYS_IOCTL = 16;
    private static final int SYS_POLL = 7;
    private static final short POLLIN = 1;
    private static final short POLLHUP = 0x10;
    private static final long NOTIF_RECV = 0xc0502100L;
    private static final long NOTIF_SEND = 0xc0182101L;
    private static final long NOTIF_ADDFD = 0x40182103L;
    private static final int NOTIF_SIZE = 80;
    private static final int ADDFD_FLAG_SEND = 1 << 1;
    private static final int O_CLOEXEC = 02000000;

    /** An fd waiting for its thread. */
    private record Gift(int fd, boolean closeOnExec) {
    }

    private final int listener;
    private final Map<Integer, Gift> waiting = new ConcurrentHashMap<>();

    private FdHandover(int listener) {
        this.listener = listener;
    }

    /** Starts answering the hand-over calls of the guest, on a platform thread of its own. */
    static FdHandover start(int listener) {
        FdHandover handover = new FdHandover(listener);
        Thread t = new Thread(handover::serve, "jvuos-fd-handover");
        t.setDaemon(true);
        t.start();
        return handover;
    }

    /**
     * Thread {@code tid}'s next marked call gets (a copy of) {@code fd}, which the hand-over
     * then closes. The caller makes the thread's current call that one.
     */
    public void give(int tid, int fd, boolean closeOnExec) {
        Gift old = waiting.put(tid, new Gift(fd, closeOnExec));
        if (old != null) {
            DirectCalls.close(old.fd());
        }
    }

    /** The thread is gone: the fd it was to take is closed. */
    public void forget(int tid) {
        Gift gift = waiting.remove(tid);
        if (gift != null) {
            DirectCalls.close(gift.fd());
        }
    }

    /** Ends a parked call with an errno. */
    private void fail(Pointer answer, long id, int errno) {
        answer.putLong(0, id);
        answer.putLong(8, 0);
        answer.putInt(16, -errno);
        answer.putInt(20, 0);
        DirectCalls.syscall(SYS_IOCTL, listener, NOTIF_SEND, answer.address(), 0);
    }

    /** True when no process uses the filter any more (poll says POLLHUP); {@code scratch} holds the struct pollfd. */
    private boolean orphaned(Pointer scratch) {
        scratch.putInt(0, listener);
        scratch.putShort(4, POLLIN);
        scratch.putShort(6, (short) 0);
        return DirectCalls.syscall(SYS_POLL, scratch.address(), 1, 0, 0) == 1 && (scratch.getShort(6) & POLLHUP) != 0;
    }

    private void serve() {
        Pointer notif = Memory.allocateDirect(Native.runtime(), NOTIF_SIZE, true);
        Pointer answer = Memory.allocateDirect(Native.runtime(), 24, true);
        while (true) {
            for (int i = 0; i < NOTIF_SIZE; i += 8) {
                notif.putLong(i, 0); // the kernel wants it zeroed
            }
            if (DirectCalls.syscall(SYS_IOCTL, listener, NOTIF_RECV, notif.address(), 0) < 0) {
                int errno = DirectCalls.errno();
                if (errno == Errno.ENOENT && orphaned(notif)) {
                    // The last guest process is gone: the kernel now answers every receive
                    // with ENOENT at once, and this loop would spin until the JVM exits.
                    log.debug("fd hand-over ends: no guest process left");
                    return;
                }
                if (errno == Errno.EINTR || errno == Errno.ENOENT) {
                    continue; // a signal, or the caller died before it was heard
                }
                log.debug("fd hand-over ends: errno {}", errno);
                return;
            }
            long id = notif.getLong(0);
            int tid = notif.getInt(8);
            Gift gift = waiting.remove(tid);
            if (gift == null) {
                fail(answer, id, Errno.ENOSYS);
                continue;
            }
            answer.putLong(0, id);
            answer.putInt(8, ADDFD_FLAG_SEND);
            answer.putInt(12, gift.fd());
            answer.putInt(16, 0);
            answer.putInt(20, gift.closeOnExec() ? O_CLOEXEC : 0);
            if (DirectCalls.syscall(SYS_IOCTL, listener, NOTIF_ADDFD, answer.address(), 0) < 0) {
                int errno = DirectCalls.errno();
                if (errno == Errno.ENOENT && waiting.putIfAbsent(tid, gift) == null) {
                    continue; // a signal ended the wait: the restarted call takes it (or the thread's end frees it)
                }
                log.debug("fd hand-over to {} failed: errno {}", tid, errno);
                fail(answer, id, errno); // EMFILE, for one
            }
            DirectCalls.close(gift.fd());
        }
    }
}
