package jvuos.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import jvuos.vfs.Mount;
import jvuos.vfs.MountTable;

class ProcMountsTest {
    @Test
    void linesInTheKernelsFormats() {
        MountTable t = new MountTable();
        t.add(new Mount(t.nextEpoch(), "/mnt/a b", "/src", "vufs", "", false, null, rel -> rel));
        t.add(new Mount(t.nextEpoch(), "/mnt/a b/in", "/other\tdir", "vufs", "cow", true, null, rel -> rel));
        assertEquals("/src /mnt/a\\040b vufs rw 0 0\n/other\\011dir /mnt/a\\040b/in vufs ro,cow 0 0\n",
                ProcMounts.mounts(t));
        assertEquals("1000001 25 0:0 / /mnt/a\\040b rw - vufs /src rw\n"
                + "1000002 1000001 0:0 / /mnt/a\\040b/in ro - vufs /other\\011dir ro,cow\n", ProcMounts.mountinfo(t, 25));
        assertTrue(ProcMounts.isMountsFile("/proc/12/task/13/mountinfo"));
        assertTrue(ProcMounts.isMountsFile("/proc/12/mounts"));
        assertFalse(ProcMounts.isMountsFile("/proc/12/mountstats"));
        assertFalse(ProcMounts.isMountsFile("/etc/mounts"));
    }
}
