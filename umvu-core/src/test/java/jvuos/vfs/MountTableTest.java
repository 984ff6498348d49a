package jvuos.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
