package jvuos.vufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvuos.module.VuException;

/** The {@code .-} directory in VUOS's on-disk format, and what survives a remount. */
class ShadowDirectoryTest {
    @TempDir
    Path upper;

    private ShadowDirectory open() throws VuException {
        return new ShadowDirectory(new LayerCalls(), upper.toString(), true);
    }

    @Test
    void whiteoutsAreEmptyFilesThatHideWhatLiesBelowThem() throws VuException, IOException {
        ShadowDirectory shadow = open();
        shadow.whiteout("a/b");
        assertTrue(Files.isRegularFile(upper.resolve(".-/a/b")));
        assertEquals(0, Files.size(upper.resolve(".-/a/b")));
        assertTrue(shadow.whitedOut("a/b/c"));
        assertFalse(shadow.whitedOut("a"));
        shadow.whiteout("a");
        assertTrue(Files.isRegularFile(upper.resolve(".-/a")), "a whiteout of the directory replaces those below it");
        shadow.dewhiteout("a");
        assertFalse(Files.exists(upper.resolve(".-/a")));
        assertFalse(shadow.whitedOut("a/b"));
    }

    @Test
    void attributesGoToTheMetadataFileAndComeBackAtTheNextMount() throws VuException, IOException {
        ShadowDirectory shadow = open();
        shadow.setAttributes("d/f", VirtualAttributes.NONE.withOwner(0, 0).withMode(0600));
        shadow.whiteout("gone");
        assertEquals("mode=0600\nuid=0\ngid=0\n", Files.readString(upper.resolve(".-/d/f\u007f")));
        ShadowDirectory again = open();
        assertEquals(0600, again.attributes("d/f").mode());
        assertTrue(again.whitedOut("gone"));
        again.setAttributes("d/f", VirtualAttributes.NONE);
        assertFalse(Files.exists(upper.resolve(".-/d/f\u007f")));
    }

    @Test
    void aCorruptMetadataFileIsIgnored() throws VuException, IOException {
        Files.createDirectories(upper.resolve(".-"));
        Files.write(upper.resolve(".-/f\u007f"), new byte[] {'m', 'o', 'd', 'e', '=', (byte) 0xff, 0, '\n'});
        Files.write(upper.resolve(".-/g\u007f"), new byte[2000]);
        ShadowDirectory shadow = open();
        assertTrue(shadow.attributes("f").isEmpty());
        assertTrue(shadow.attributes("g").isEmpty());
    }

    @Test
    void aRenameCarriesTheRecordsBelowAName() throws VuException {
        ShadowDirectory shadow = open();
        shadow.whiteout("old/x");
        shadow.setAttributes("old", VirtualAttributes.NONE.withOpaque(true));
        shadow.move("old", "new");
        assertTrue(shadow.whitedOut("new/x"));
        assertFalse(shadow.whitedOut("old/x"));
        assertTrue(shadow.attributes("new").opaque());
        assertTrue(shadow.attributes("old").isEmpty());
    }
}
