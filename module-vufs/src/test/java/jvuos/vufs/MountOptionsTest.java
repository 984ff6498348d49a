package jvuos.vufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import jvuos.module.VuException;

class MountOptionsTest {
    @Test
    void bindIsTheDefault() throws VuException {
        assertEquals(MountOptions.Mode.BIND, MountOptions.parse("").mode());
        assertEquals(MountOptions.Mode.BIND, MountOptions.parse("rw").mode());
    }

    @Test
    void modeExceptAndNoChCopy() throws VuException {
        MountOptions o = MountOptions.parse("cow,except=/tmp,except=/var/log,nochcopy");
        assertEquals(MountOptions.Mode.COW, o.mode());
        assertEquals(List.of("tmp", "var/log"), o.except());
        assertTrue(o.noChCopy());
    }

    @Test
    void exceptCoversWholeComponentsBelowTheMountPoint() throws VuException {
        MountOptions o = MountOptions.parse("cow,except=/tmp/,except=//var//log");
        assertTrue(o.excepts("tmp"));
        assertTrue(o.excepts("tmp/x/y"));
        assertTrue(o.excepts("var/log/syslog"));
        assertFalse(o.excepts("tmpx"));
        assertFalse(o.excepts("var"));
        assertFalse(o.excepts(""));
        assertEquals(22, assertThrows(VuException.class, () -> MountOptions.parse("cow,except=/")).errno());
        assertEquals(22, assertThrows(VuException.class, () -> MountOptions.parse("cow,except=/a/../b")).errno());
    }

    @Test
    void unknownOptionOrTwoModesAreEinval() {
        assertEquals(22, assertThrows(VuException.class, () -> MountOptions.parse("bogus")).errno());
        assertEquals(22, assertThrows(VuException.class, () -> MountOptions.parse("cow,merge")).errno());
    }

    @Test
    void bindMapsPathsBelowTheSource() throws VuException {
        BindFileSystem fs = new BindFileSystem("/var", MountOptions.parse("except=/cache"));
        assertEquals("/var", fs.hostPath(""));
        assertEquals("/var/log/syslog", fs.hostPath("log/syslog"));
        assertEquals("/etc", new BindFileSystem("/", MountOptions.parse("")).hostPath("etc"));
        assertFalse(fs.claims("cache/x"));
        assertTrue(fs.claims("log"));
    }
}
