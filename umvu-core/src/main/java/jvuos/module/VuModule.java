package jvuos.module;

/**
 * A jvuos module: a service provider found with {@link java.util.ServiceLoader} in the module
 * jars shipped with umvu and in {@code ~/.vu/modules/*.jar}.
 *
 * <p>A module never sees ptrace, registers or guest memory. The hypervisor resolves paths,
 * keeps file descriptors and talks to the guest; the module gets Java values and answers
 * with values or a {@link VuException} carrying an errno.
 *
 * <p>A file system type reaches the module whose name is the longest prefix of the type:
 * {@code vufs} serves {@code -t vufs}, {@code vudev} serves {@code -t vudevramdisk}.
 */
public interface VuModule {
    /** The name {@code vu_insmod} and {@code vu_lsmod} use, e.g. {@code vufs}. */
    String name();

    /** One line for {@code vu_lsmod}. */
    String description();

    /**
     * Mounts a file system of {@code request.type()}.
     *
     * @throws VuException with the errno {@code mount(2)} returns to the guest (EINVAL for bad
     *         options, ENOENT for a missing source, ENODEV for a type the module does not serve)
     */
    MountedFileSystem mount(MountRequest request) throws VuException;
}
