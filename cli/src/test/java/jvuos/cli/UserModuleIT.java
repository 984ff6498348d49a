package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module the user drops into ~/.vu/modules is found like the shipped ones: compiled here
 * against the SPI, jarred with its ServiceLoader entry, then inserted, listed, mounted by a
 * type it is a prefix of, and removed.
 */
class UserModuleIT {
    @TempDir
    Path home;

    private static final String SOURCE = """
            package example;

            import jvuos.module.MountRequest;
            import jvuos.module.MountedFileSystem;
            import jvuos.module.VuException;
            import jvuos.module.VuModule;

            /** "mirror": shows the source directory, like vufs bind; the type's tail must be "dir". */
            public final class Mirror implements VuModule {
                public String name() { return "mirror"; }
                public String description() { return "a user's module"; }
                public MountedFileSystem mount(MountRequest r) throws VuException {
                    if (!r.type().equals("mirrordir")) {
                        throw new VuException(19, "mirror serves mirrordir only");
                    }
                    String source = r.view().hostPath(r.source());
                    return relative -> relative.isEmpty() ? source : source + "/" + relative;
                }
            }
            """;

    private static final String BROKEN = """
            package example;

            /** A module with a bug: its mount throws. */
            public final class Broken implements jvuos.module.VuModule {
                public String name() { return "broken"; }
                public String description() { return "throws"; }
                public jvuos.module.MountedFileSystem mount(jvuos.module.MountRequest r) {
                    throw new IllegalStateException("a bug");
                }
            }
            """;

    private void buildModuleJar() throws IOException {
        Path sources = Files.createDirectories(home.resolve("build/example"));
        Files.writeString(sources.resolve("Mirror.java"), SOURCE);
        Files.writeString(sources.resolve("Broken.java"), BROKEN);
        Path classes = Files.createDirectories(home.resolve("build/classes"));
        String classpath = Run.ROOT.resolve("cli/target/lib/umvu-core-0.1.0-SNAPSHOT.jar").toString();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp", classpath,
                sources.resolve("Mirror.java").toString(), sources.resolve("Broken.java").toString());
        assertEquals(0, rc, "the example modules do not compile");
        Path jar = Files.createDirectories(home.resolve(".vu/modules")).resolve("mirror.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            // example.Missing names no class: that entry alone is skipped, with a warning.
            out.putNextEntry(new JarEntry("META-INF/services/jvuos.module.VuModule"));
            out.write("example.Missing\nexample.Mirror\nexample.Broken\n".getBytes());
            for (String name : new String[] {"Mirror", "Broken"}) {
                out.putNextEntry(new JarEntry("example/" + name + ".class"));
                try (var in = Files.newInputStream(classes.resolve("example/" + name + ".class"))) {
                    in.transferTo(out);
                }
            }
        }
    }

    @Test
    void moduleFromTheUsersDirectory() throws IOException {
        buildModuleJar();
        Path d = Files.createDirectories(home.resolve("work/src"));
        Files.writeString(d.resolve("file"), "mirrored\n");
        Run run = Run.of(home.resolve("work"), "", List.of("env", "HOME=" + home, Run.UMVU.toString(), "sh", "-c", """
                vu_insmod mirror && vu_lsmod
                vumount -t mirror src mnt; echo "wrong type $?"
                vumount -t mirrordir src mnt && cat mnt/file && vu_lsmod | sort
                vu_rmmod mirror; echo "busy $?"
                vuumount mnt && vu_rmmod mirror && echo "loaded: $(vu_lsmod)"
                vumount -t broken src mnt; echo "broken $?"
                cat src/file
                """));
        assertEquals("mirror: a user's module\nwrong type 1\nmirrored\nmirror: a user's module\nbusy 1\nloaded: \n"
                + "broken 1\nmirrored\n", run.stdout());
        List<String> errors = run.stderr().lines().toList();
        assertEquals(5, errors.size(), run.stderr());
        assertTrue(errors.get(0).startsWith("umvu: a module was not loaded: ") && errors.get(0).contains("example.Missing"),
                errors.get(0));
        assertEquals(List.of("vumount: mounting on mnt: No such device",
                "vu_rmmod: removing module mirror: Device or resource busy",
                "umvu: module broken failed: java.lang.IllegalStateException: a bug",
                "vumount: mounting on mnt: Input/output error"), errors.subList(1, 5));
        assertEquals(0, run.status());
    }
}
