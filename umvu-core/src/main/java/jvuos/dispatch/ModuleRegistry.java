package jvuos.dispatch;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.module.ProcessEvents;
import jvuos.module.VuException;
import jvuos.module.VuModule;
import jvuos.errno.Errno;

/**
 * The modules available to a view (found with ServiceLoader on umvu's class path and in the
 * jars of {@code ~/.vu/modules/}) and those loaded into it. Finding them waits for the first
 * VU call, so a session that mounts nothing never pays for it.
 */
final class ModuleRegistry {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");

    private final Path userModules;
    private Map<String, VuModule> available;
    private final Map<String, Loaded> loaded = new LinkedHashMap<>();
    /** The loaded modules that hear of process events, kept apart: they are told at every fork, exec and exit. */
    private List<VuModule> listeners = List.of();

    private record Loaded(VuModule module, boolean permanent) {
    }

    ModuleRegistry(Path userModules) {
        this.userModules = userModules;
    }

    /** Loads a module by name; loading one already loaded only makes it permanent if asked. */
    VuModule insert(String name, boolean permanent) throws VuException {
        VuModule module = available().get(name);
        if (module == null) {
            throw new VuException(Errno.ENOENT, "no module " + name);
        }
        Loaded was = loaded.get(name);
        loaded.put(name, new Loaded(module, permanent || (was != null && was.permanent())));
        listenersChanged();
        return module;
    }

    /** Unloads a module: EBUSY while {@code inUse}, EPERM when permanent, ENOENT when not loaded. */
    void remove(String name, boolean inUse) throws VuException {
        Loaded l = loaded.get(name);
        if (l == null) {
            throw new VuException(Errno.ENOENT, "module " + name + " is not loaded");
        }
        if (l.permanent()) {
            throw new VuException(Errno.EPERM, "module " + name + " is permanent");
        }
        if (inUse) {
            throw new VuException(Errno.EBUSY, "module " + name + " is in use");
        }
        loaded.remove(name);
        listenersChanged();
    }

    private void listenersChanged() {
        List<VuModule> now = new ArrayList<>();
        for (Loaded l : loaded.values()) {
            if (l.module() instanceof ProcessEvents) {
                now.add(l.module());
            }
        }
        listeners = List.copyOf(now);
    }

    /** The loaded modules that implement {@link ProcessEvents}. */
    List<VuModule> processListeners() {
        return listeners;
    }

    /** The module serving a file system type: the one whose name is the longest prefix of it, loaded on first use. */
    VuModule forType(String type) throws VuException {
        String best = null;
        for (String name : available().keySet()) {
            if (type.startsWith(name) && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        if (best == null) {
            throw new VuException(Errno.ENODEV, "unknown file system type " + type);
        }
        Loaded l = loaded.get(best);
        return l != null ? l.module() : insert(best, false);
    }

    List<VuModule> loaded() {
        return loaded.values().stream().map(Loaded::module).toList();
    }

    private Map<String, VuModule> available() {
        if (available == null) {
            available = new LinkedHashMap<>();
            // A broken jar (a provider class missing, failing or of the wrong type) costs only itself.
            java.util.Iterator<VuModule> providers = ServiceLoader.load(VuModule.class, classLoader()).iterator();
            while (true) {
                try {
                    if (!providers.hasNext()) {
                        break;
                    }
                    VuModule m = providers.next();
                    available.putIfAbsent(m.name(), m);
                } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                    log.warn("a module was not loaded: {}", e.getMessage());
                }
            }
        }
        return available;
    }

    private ClassLoader classLoader() {
        ClassLoader parent = ModuleRegistry.class.getClassLoader();
        if (userModules == null || !Files.isDirectory(userModules)) {
            return parent;
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(userModules)) {
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                jars.add(jar.toUri().toURL());
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", userModules, e.getMessage());
        }
        return jars.isEmpty() ? parent : new URLClassLoader(jars.toArray(URL[]::new), parent);
    }
}
