package jvuos.vunet;

import jvuos.errno.Errno;
import jvuos.module.VuException;

/** vunetnull: no network at all; every socket of its families fails with EAFNOSUPPORT. */
final class NullStack extends StackFileSystem {
    @Override
    public int socket(int family, int type, int protocol) throws VuException {
        throw new VuException(Errno.EAFNOSUPPORT, "the null stack has no network");
    }
}
