package jvuos.vufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import jvuos.module.FileStat;

class VirtualAttributesTest {
    private static final FileStat REGULAR = new FileStat(FileStat.S_IFREG | 0644, 7, 1, 1000, 1000, 0, 5, 8, 4096, 1, 2, 3);

    @Test
    void readsVuosLinesAndIgnoresTagsItDoesNotShow() {
        VirtualAttributes a = VirtualAttributes.parse("type=c\nmode=0620\nuid=0\ngid=5\nrdev=4,1\ndev=8,1\nctime=10,20\n");
        FileStat s = a.applyTo(REGULAR);
        assertEquals(FileStat.S_IFCHR | 0620, s.mode());
        assertEquals(0, s.uid());
        assertEquals(5, s.gid());
        assertEquals(FileStat.makedev(4, 1), s.rdev());
        assertEquals(REGULAR.size(), s.size());
    }

    @Test
    void writesWhatItReads() {
        VirtualAttributes a = new VirtualAttributes(0755, 0, 0, FileStat.S_IFBLK, FileStat.makedev(8, 2), true);
        assertEquals(a, VirtualAttributes.parse(a.format()));
        assertEquals("type=b\nmode=0755\nuid=0\ngid=0\nrdev=8,2\nopaque=y\n", a.format());
        assertTrue(VirtualAttributes.parse("").isEmpty());
    }

    @Test
    void aLineThatIsNotVuosMakesTheFileUnreadable() {
        assertThrows(IllegalArgumentException.class, () -> VirtualAttributes.parse("mode=rwx\n"));
        assertThrows(IllegalArgumentException.class, () -> VirtualAttributes.parse("type=q\n"));
        assertThrows(IllegalArgumentException.class, () -> VirtualAttributes.parse("rdev=12\n"));
    }

    @Test
    void onlyTheGivenFieldsChange() {
        FileStat s = VirtualAttributes.NONE.withMode(0600).applyTo(REGULAR);
        assertEquals(FileStat.S_IFREG | 0600, s.mode());
        assertEquals(1000, s.uid());
    }
}
