package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private void buildModuleJar() throws IOException {
        Path src = Files.createDirectories(home.resolve("build/example")).resolve("Mirror.java");
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(home.resolve("build/classes"));
        String classpath = Run.ROOT.resolve("cli/target/lib/umvu-core-0.1.0-SNAPSHOT.jar").toString();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", classes.toString(), "-cp", classpath, src.toString());
        assertEquals(0, rc, "the example module does not compile");
        Path jar = Files.createDirectories(home.resolve(".vu/modules")).resolve("mirror.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/services/jvuos.module.VuModule"));
            out.write("example.Mirror\n".getBytes());
            out.putNextEntry(new JarEntry("example/Mirror.class"));
            try (var in = Files.newInputStream(classes.resolve("example/Mirror.class"))) {
                in.transferTo(out);
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
                """));
        assertEquals(new Run("mirror: a user's module\nwrong type 1\nmirrored\nmirror: a user's module\nbusy 1\nloaded: \n",
                "vumount: mounting on mnt: No such device\nvu_rmmod: removing module mirror: Device or resource busy\n", 0), run);
    }
}
