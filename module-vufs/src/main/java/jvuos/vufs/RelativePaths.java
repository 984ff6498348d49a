package jvuos.vufs;

/** Paths relative to a mount point, as the hypervisor hands them over: "" for the mount point itself. */
final class RelativePaths {
    private RelativePaths() {
    }

    static String parent(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** True when {@code rel} is {@code dir} or lies below it. */
    static boolean isWithin(String rel, String dir) {
        return rel.equals(dir) || dir.isEmpty() || rel.startsWith(dir + "/");
    }
}
