package jvuos.vunet;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * libvdeplug (Debian's libvdeplug2), through jnr-ffi: a connection to a VDE network named by
 * a URL (vde:///path/to/switch, vxvde://, tap://, slirp://, null://...), which sends and
 * receives Ethernet frames.
 */
interface VdePlug {
    /** The library's interface version that vde_open passes (LIBVDEPLUG_INTERFACE_VERSION). */
    int INTERFACE_VERSION = 1;
    /** The largest frame a VDE connection carries (VDE_ETHBUFSIZE). */
    int FRAME_SIZE = 9216 + 14 + 4;

    Pointer vde_open_real(String url, String description, int interfaceVersion, Pointer openArgs);

    long vde_recv(Pointer connection, Pointer buffer, long length, int flags);

    long vde_send(Pointer connection, Pointer buffer, long length, int flags);

    int vde_datafd(Pointer connection);

    int vde_close(Pointer connection);

    /** The library, or an exception saying why it cannot be loaded. */
    static VdePlug load() {
        return LibraryLoader.create(VdePlug.class).failImmediately().load("vdeplug");
    }
}
