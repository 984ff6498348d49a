package jvuos.module;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who makes a call: the guest thread's file-system user and group ids, which a created file
 * is owned by and permissions are checked against.
 */
public record Credentials(int uid, int gid) {
    public boolean root() {
        return uid == 0;
    }

    /**
     * The user and group the hypervisor runs as (the owner of its /proc/self): whose a device
     * or stack a module makes is, unless told otherwise; root's when that cannot be read.
     */
    public static Credentials hypervisor() {
        return new Credentials(ownId("unix:uid"), ownId("unix:gid"));
    }

    private static int ownId(String attribute) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), attribute)).intValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }
}
