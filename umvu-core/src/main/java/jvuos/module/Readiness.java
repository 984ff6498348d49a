package jvuos.module;

/**
 * How a pollable served file ({@link VirtualFile#pollable}) tells the hypervisor that it has
 * become readable or stopped being so. The guest's poll, select and epoll see this, and a
 * guest blocked in a read of the file is woken to read again. May be called from any thread.
 */
public interface Readiness {
    void readable(boolean ready);
}
