package jvuos.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class PathNamesTest {
    @Test
    void lexicalOperations() {
        assertEquals("/a", PathNames.child("/", "a"));
        assertEquals("/a/b", PathNames.child("/a", "b"));
        assertEquals("/", PathNames.parent("/"));
        assertEquals("/", PathNames.parent("/a"));
        assertEquals("/a", PathNames.parent("/a/b"));
        assertTrue(PathNames.isWithin("/a/b", "/a"));
        assertTrue(PathNames.isWithin("/a", "/a"));
        assertTrue(PathNames.isWithin("/x", "/"));
        assertFalse(PathNames.isWithin("/ab", "/a"));
        assertEquals("", PathNames.relative("/a", "/a"));
        assertEquals("b/c", PathNames.relative("/a/b/c", "/a"));
        assertEquals("a/b", PathNames.relative("/a/b", "/"));
    }

    @Test
    void canonicalPathsAreAbsoluteWithNamesOnly() {
        for (String p : List.of("/", "/a", "/a/b", "/.a", "/a/..b", "/a/b..", "/...", "/a/.b/c")) {
            assertTrue(PathNames.isCanonical(p), p);
        }
        for (String p : List.of("", "a", "a/b", "//", "/a/", "/a//b", "/.", "/..", "/a/.", "/a/..", "/./a", "/../a",
                "/a/./b", "/a/../b")) {
            assertFalse(PathNames.isCanonical(p), p);
        }
    }

    @Test
    void aLastDotIsSeenThroughTrailingSlashes() {
        for (String p : List.of(".", "..", "a/.", "a/..", "/a/./", "a/..//", "./")) {
            assertTrue(PathNames.endsWithDot(p), p);
        }
        for (String p : List.of("a", "a/", ".a", "a/..b", "/", "a/b./")) {
            assertFalse(PathNames.endsWithDot(p), p);
        }
        assertTrue(PathNames.endsWithDotDot("a/..//"));
        assertTrue(PathNames.endsWithDotDot(".."));
        assertFalse(PathNames.endsWithDotDot("a/./"));
        assertFalse(PathNames.endsWithDotDot("a/..b"));
    }

    @Test
    void dirNameAsTheGuestWroteIt() {
        assertEquals("a", PathNames.dirName("a/b/"));
        assertEquals("a", PathNames.dirName("a//b"));
        assertEquals(".", PathNames.dirName("b"));
        assertEquals("/", PathNames.dirName("/b"));
        assertEquals("/x/mnt", PathNames.dirName("/x/mnt/.."));
        assertEquals(".", PathNames.dirName(".."));
    }

    @Test
    void componentsDropOnlyEmptyOnes() {
        assertEquals(List.of("a", ".", "..", "b"), List.copyOf(PathNames.components("//a/./../b/")));
        assertEquals(List.of(), List.copyOf(PathNames.components("/")));
        assertEquals(List.of("."), List.copyOf(PathNames.components(".")));
    }

    @Test
    void whatMustBeADirectory() {
        assertTrue(PathNames.endsAsDirectory("a/"));
        assertTrue(PathNames.endsAsDirectory("a/."));
        assertTrue(PathNames.endsAsDirectory("a/.."));
        assertTrue(PathNames.endsAsDirectory(".."));
        assertFalse(PathNames.endsAsDirectory("a"));
        assertFalse(PathNames.endsAsDirectory("a/.b"));
    }

    @Test
    void withinRootKeepsPathsAtTheirStart() {
        assertEquals("a.txt", PathNames.withinRoot("/a.txt"));
        assertEquals("a.txt", PathNames.withinRoot("sub/../a.txt"));
        assertEquals("outside/o.txt", PathNames.withinRoot("../outside/o.txt"));
        assertEquals("mnt/a.txt", PathNames.withinRoot("//mnt/./a.txt"));
        assertEquals(".", PathNames.withinRoot("/.."));
        assertEquals("a/", PathNames.withinRoot("a/b/.."));
        assertEquals("sub/", PathNames.withinRoot("/sub/"));
    }
}
