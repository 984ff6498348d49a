package jvuos.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The "#!" line as the kernel's binfmt_script reads it. */
class ScriptExecTest {
    private static String[] parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return ScriptExec.parse(b, Math.min(b.length, ScriptExec.BINPRM_BUF_SIZE));
    }

    @Test
    void interpreterAndOneOptionalArgument() {
        assertArrayEquals(new String[] {"/bin/sh", ""}, parse("#!/bin/sh\necho\n"));
        assertArrayEquals(new String[] {"/usr/bin/env", "python3 -u"}, parse("#! /usr/bin/env python3 -u  \n"));
        assertArrayEquals(new String[] {"/mnt/env", "python"}, parse("#!/mnt/env\tpython\n"));
        assertArrayEquals(new String[] {"/bin/sh", "-e\r"}, parse("#!/bin/sh -e\r\n")); // a CR stays, as in Linux
        assertArrayEquals(new String[] {"/bin/sh", ""}, parse("#!/bin/sh\0ignored\n"));
    }

    @Test
    void noInterpreterOrOneTooLongIsNoScript() {
        assertNull(parse("#!\n"));
        assertNull(parse("#!   \t\n"));
        assertNull(parse("#!/" + "x".repeat(300)));
        assertArrayEquals(new String[] {"/bin/sh", "y".repeat(245)}, parse("#!/bin/sh " + "y".repeat(300)));
    }
}
