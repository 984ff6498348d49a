package jvuos.module;

/** A module's failure, carried to the guest as the errno of its call. */
public final class VuException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public VuException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
