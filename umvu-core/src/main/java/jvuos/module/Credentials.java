package jvuos.module;

/**
 * Who makes a call: the guest thread's file-system user and group ids, which a created file
 * is owned by and permissions are checked against.
 */
public record Credentials(int uid, int gid) {
    public boolean root() {
        return uid == 0;
    }
}
