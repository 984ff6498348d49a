package jvuos.vunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import jvuos.errno.Errno;
import jvuos.module.MountRequest;
import jvuos.module.ServedFileSystem;
import jvuos.module.SocketStack;
import jvuos.module.VuException;
import jvuos.ptrace.DirectCalls;

class VunetTest {
    private static int mountErrno(String type, String source, String options) {
        MountRequest request = new MountRequest(source, "/dev/net/x", type, 0, options, path -> path);
        return assertThrows(VuException.class, () -> new Vunet().mount(request)).errno();
    }

    @Test
    void badTypesOptionsAndSourcesAreRefusedBeforeAnythingStarts() {
        assertEquals(Errno.ENODEV, mountErrno("vunetfoo", "none", ""));
        assertEquals(Errno.EINVAL, mountErrno("vunetnull", "none", "size=1"));
        assertEquals(Errno.EINVAL, mountErrno("vunetvdestack", "vde:///nowhere", "colour=red"));
        assertEquals(Errno.EINVAL, mountErrno("vunetvdestack", "vde:///nowhere", "mac=02:00:00:00:00"));
        assertEquals(Errno.EINVAL, mountErrno("vunetvdestack", "vde:///nowhere", "ifname=a/b"));
        assertEquals(Errno.EINVAL, mountErrno("vunetvdestack", "vde:///nowhere", "ifname=sixteenletters16"));
        assertEquals(Errno.EINVAL, mountErrno("vunetvdestack", "none", ""));
    }

    @Test
    void aStackStatsAsAStackAndOpensAsNothing() throws VuException {
        ServedFileSystem stack = (ServedFileSystem) new Vunet().mount(new MountRequest("none", "/dev/net/n", "vunetnull", 0, "",
                path -> path));
        assertEquals(StackFileSystem.S_IFSTACK, stack.lstat("").type());
        assertEquals(Errno.ENOENT, assertThrows(VuException.class, () -> stack.lstat("x")).errno());
        assertEquals(Errno.ENXIO, assertThrows(VuException.class, () -> stack.open("", ServedFileSystem.O_RDONLY)).errno());
        assertEquals(Errno.EAFNOSUPPORT, assertThrows(VuException.class,
                () -> ((SocketStack) stack).socket(StackFileSystem.AF_INET, 1, 0)).errno());
    }

    @Test
    void theHostStackMakesTheHostsSockets() throws VuException {
        SocketStack host = (SocketStack) new Vunet().mount(new MountRequest("none", "/dev/net/h", "vunetreal", 0, "", path -> path));
        assertTrue(host.families().contains(StackFileSystem.AF_INET6));
        int fd = host.socket(StackFileSystem.AF_INET, 2 /* SOCK_DGRAM */, 0);
        assertTrue(fd >= 0);
        DirectCalls.close(fd);
        assertEquals(Errno.EAFNOSUPPORT, assertThrows(VuException.class, () -> host.socket(12345, 1, 0)).errno());
    }
}
