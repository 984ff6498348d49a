package jvuos.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvuos.module.MountedFileSystem;

import org.junit.jupiter.api.Test;

class MountTableTest {
    private static Mount mount(MountTable t, String point, String source) {
        return t.add(new Mount(t.nextEpoch(), point, source, "test", "", false, null, rel -> source + "/" + rel));
    }

    @Test
    void longestPrefixNewestFirstAndEpochs() {
        MountTable t = new MountTable();
        Mount a = mount(t, "/m", "/one");
        Mount b = mount(t, "/m/sub", "/two");
        Mount c = mount(t, "/m", "/three");
        int all = Integer.MAX_VALUE;
        assertEquals(c, t.owner("/m/x", all), "the newer mount on a point hides the older");
        assertEquals(b, t.owner("/m/sub/y", all));
        assertNull(t.owner("/mx", all));
        assertEquals(a, t.owner("/m/x", c.epoch()), "a view older than c sees a");
        assertNull(t.owner("/m/sub", a.epoch()), "the first mount's own view sees none");
        assertEquals(c, t.mountedAt("/m", all));
        assertNull(t.mountedAt("/m/x", all));
        t.remove(c);
        assertEquals(a, t.owner("/m/x", all));
    }

    /** A disk's partitions: the names of its mount point followed by a number, beside it. */
    private static final class Disk implements MountedFileSystem {
        @Override
        public String hostPath(String relativePath) {
            return "/disk/" + relativePath;
        }

        @Override
        public String sibling(String suffix) {
            return suffix.matches("[1-9][0-9]*") ? "part" + suffix : null;
        }
    }

    @Test
    void namesBesideAMountPointThatItsFileSystemServes() {
        MountTable t = new MountTable();
        Mount dev = mount(t, "/dev", "/host-dev");
        Mount disk = t.add(new Mount(t.nextEpoch(), "/dev/hda", "image", "test", "", false, null, new Disk()));
        int all = Integer.MAX_VALUE;
        assertEquals(disk, t.owner("/dev/hda1", all));
        assertEquals("part12", disk.relative("/dev/hda12"));
        assertEquals("", disk.relative("/dev/hda"));
        assertEquals(dev, t.owner("/dev/hdab", all), "not a name the disk serves");
        assertEquals(dev, t.owner("/dev/hd", all));
        assertEquals(dev, t.owner("/dev/hda1", disk.epoch()), "older views do not see the disk");
        assertTrue(t.hasPointNamed("hda1"));
        assertTrue(t.hasPointNamed("hda"));
        assertFalse(t.hasPointNamed("hdab"));
        assertFalse(t.hasPointNamed("1"));
        mount(t, "/", "/root");
        assertFalse(t.hasPointNamed("x"), "the root's name is empty: it prefixes no name");
    }
}
