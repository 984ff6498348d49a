package jvuos.vudev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.VuException;

class DeviceOptionsTest {
    @Test
    void sizesTakeBinarySuffixes() throws VuException {
        assertEquals(512, DeviceOptions.size("512"));
        assertEquals(256L << 20, DeviceOptions.size("256M"));
        assertEquals(1L << 40, DeviceOptions.size("1t"));
        assertEquals(3L << 10, DeviceOptions.parse("size=3K").size());
    }

    @Test
    void badValuesAndUnknownOptionsAreEinval() {
        for (String bad : new String[] {"size=", "size=3x", "size=100", "size=0", "size=99999999999T", "major=1",
                "mode=9", "uid=-1", "color=red", "minor=1048576,major=1"}) {
            assertEquals(Errno.EINVAL, assertThrows(VuException.class, () -> DeviceOptions.parse(bad)).errno(), bad);
        }
    }

    @Test
    void theNumberComesFromTheOptionsElseTheHostNodeElseTheFallback() throws VuException {
        DeviceOptions given = DeviceOptions.parse("major=8,minor=16,mode=0640,uid=5,gid=6,rw");
        assertEquals(FileStat.makedev(8, 16), given.rdev(FileStat.S_IFBLK, () -> "/dev/null", () -> 77));
        assertEquals(0640, given.modeOr(0600));
        assertEquals(5, given.uidOr());
        DeviceOptions none = DeviceOptions.parse("");
        assertEquals(FileStat.makedev(1, 3), none.rdev(FileStat.S_IFCHR, () -> "/dev/null", () -> 77), "the host's /dev/null");
        assertEquals(77, none.rdev(FileStat.S_IFBLK, () -> "/dev/null", () -> 77), "a node of the other type");
        assertEquals(77, none.rdev(FileStat.S_IFBLK, () -> "/nonexistent", () -> 77));
    }
}
