package jvuos.syscall;

/** What a syscall's return value means when it is not an error. */
public enum ReturnKind {
    INT, FD, SIZE, PID, PTR,
    /** exit, exit_group, rt_sigreturn: never return to the caller. */
    NONE
}
