package jvuos.dispatch;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jvuos.tracer.SyscallHandler.Resume;

/**
 * The exit stops each guest thread has pending, innermost last: a signal handler that runs
 * between the steps of a call made in steps (an mmap of a served file) makes calls of its
 * own, whose exits come, and go, before the next step's.
 */
final class PendingExits {
    private final Map<Integer, Deque<PendingExit>> byTid = new HashMap<>();

    void push(int tid, PendingExit exit) {
        byTid.computeIfAbsent(tid, t -> new ArrayDeque<>()).push(exit);
    }

    /**
     * How a call goes on that has {@code exit} to see at its exit stop (pushed for it): with
     * the exit reported; RUN when there is none (null).
     */
    Resume await(int tid, PendingExit exit) {
        if (exit == null) {
            return Resume.RUN;
        }
        push(tid, exit);
        return Resume.RUN_AND_REPORT_EXIT;
    }

    /** The innermost pending exit of the thread, taken away; null if none. */
    PendingExit pop(int tid) {
        Deque<PendingExit> stack = byTid.get(tid);
        if (stack == null) {
            return null;
        }
        PendingExit exit = stack.pop();
        if (stack.isEmpty()) {
            byTid.remove(tid);
        }
        return exit;
    }

    /** The innermost pending exit of the thread, left in place; null if none. */
    PendingExit peek(int tid) {
        Deque<PendingExit> stack = byTid.get(tid);
        return stack == null ? null : stack.peek();
    }

    /** Every pending exit of the thread, taken away (it is gone). */
    List<PendingExit> removeAll(int tid) {
        Deque<PendingExit> stack = byTid.remove(tid);
        return stack == null ? List.of() : List.copyOf(stack);
    }

    /** Takes the thread's pending exits that {@code which} selects away, giving each to {@code taken}. */
    void removeIf(int tid, java.util.function.Predicate<PendingExit> which, java.util.function.Consumer<PendingExit> taken) {
        Deque<PendingExit> stack = byTid.get(tid);
        if (stack == null) {
            return;
        }
        for (java.util.Iterator<PendingExit> it = stack.iterator(); it.hasNext();) {
            PendingExit e = it.next();
            if (which.test(e)) {
                it.remove();
                taken.accept(e);
            }
        }
        if (stack.isEmpty()) {
            byTid.remove(tid);
        }
    }

    /** A thread's pending exits move to the id it took over at an exec. */
    void move(int from, int to) {
        Deque<PendingExit> stack = byTid.remove(from);
        if (stack != null) {
            byTid.put(to, stack);
        }
    }
}
