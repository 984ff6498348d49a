package jvuos.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** The test modules (jvuos.testfs: memfs, teststack), compiled with the tests, installed as a user's module jar. */
final class TestModules {
    private TestModules() {
    }

    /** Puts the jar into {@code home}/.vu/modules. */
    static void install(Path home) throws IOException {
        Path classes = Path.of(TestModules.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Path jar = Files.createDirectories(home.resolve(".vu/modules")).resolve("testfs.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.list(classes.resolve("jvuos/testfs"))) {
            out.putNextEntry(new JarEntry("META-INF/services/jvuos.module.VuModule"));
            out.write("jvuos.testfs.MemFsModule\njvuos.testfs.TestStackModule\n".getBytes());
            for (Path f : files.toList()) {
                out.putNextEntry(new JarEntry("jvuos/testfs/" + f.getFileName()));
                Files.copy(f, out);
            }
        }
    }
}
