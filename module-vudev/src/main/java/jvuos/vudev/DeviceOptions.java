package jvuos.vudev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.module.VuException;

/**
 * The options of a vudev mount: {@code size=N[kKmMgGtT]} (a ramdisk's capacity, in bytes
 * without a suffix), {@code major=}, {@code minor=} (the device number), {@code mode=} (octal
 * permission bits), {@code uid=}, {@code gid=}; and {@code ro} and {@code rw}, which mount(8)
 * passes on and the hypervisor reads itself. Any other option is refused with EINVAL.
 */
record DeviceOptions(long size, long major, long minor, int mode, int uid, int gid) {
    static final long UNSET = -1;
    private static final long MAX_NUMBER = (1L << 20) - 1;

    static DeviceOptions parse(String options) throws VuException {
        long size = UNSET;
        long major = UNSET;
        long minor = UNSET;
        long mode = UNSET;
        long uid = UNSET;
        long gid = UNSET;
        for (String option : options.split(",")) {
            if (option.isEmpty() || option.equals("ro") || option.equals("rw")) {
                continue;
            }
            int eq = option.indexOf('=');
            String name = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? "" : option.substring(eq + 1);
            switch (name) {
                case "size" -> size = size(value);
                case "major" -> major = number(name, value, 10, MAX_NUMBER);
                case "minor" -> minor = number(name, value, 10, MAX_NUMBER);
                case "mode" -> mode = number(name, value, 8, 07777);
                case "uid" -> uid = number(name, value, 10, 0xfffffffeL);
                case "gid" -> gid = number(name, value, 10, 0xfffffffeL);
                default -> throw new VuException(Errno.EINVAL, "unknown vudev option " + option);
            }
        }
        if ((major == UNSET) != (minor == UNSET)) {
            throw new VuException(Errno.EINVAL, "major= and minor= go together");
        }
        return new DeviceOptions(size, major, minor, (int) mode, (int) uid, (int) gid);
    }

    /** A size with an optional binary suffix; a disk's size is a whole number of 512-byte sectors. */
    static long size(String value) throws VuException {
        if (value.isEmpty()) {
            throw new VuException(Errno.EINVAL, "size= needs a value");
        }
        int shift = switch (Character.toLowerCase(value.charAt(value.length() - 1))) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        long n = number("size", shift == 0 ? value : value.substring(0, value.length() - 1), 10, Long.MAX_VALUE >> shift);
        long bytes = n << shift;
        if (bytes == 0 || bytes % PartitionTable.SECTOR != 0) {
            throw new VuException(Errno.EINVAL, "size=" + value + " is no positive multiple of 512 bytes");
        }
        return bytes;
    }

    private static long number(String name, String value, int radix, long max) throws VuException {
        try {
            long n = Long.parseLong(value, radix);
            if (n < 0 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new VuException(Errno.EINVAL, "bad value for " + name + "=: " + value);
        }
    }

    /**
     * The device number: {@code major=} and {@code minor=}, else that of the device node of
     * {@code type} (S_IFBLK, S_IFCHR) the host has at {@code hostTarget} (null when none),
     * else {@code fallback}; each source asked only when the one before gives nothing.
     */
    long rdev(int type, Supplier<String> hostTargetSource, LongSupplier fallback) {
        if (major != UNSET) {
            return jvuos.module.FileStat.makedev(major, minor);
        }
        String hostTarget = hostTargetSource.get();
        if (hostTarget != null) {
            try {
                Path node = Path.of(hostTarget);
                int nodeMode = (Integer) Files.getAttribute(node, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                if ((nodeMode & jvuos.module.FileStat.S_IFMT) == type) {
                    return (Long) Files.getAttribute(node, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                // No node there (or none we may look at): the fallback.
            }
        }
        return fallback.getAsLong();
    }

    int modeOr(int fallback) {
        return mode == UNSET ? fallback : mode;
    }

    /** uid= or else the hypervisor's own user. */
    int uidOr() {
        return uid != UNSET ? uid : Credentials.hypervisor().uid();
    }

    int gidOr() {
        return gid != UNSET ? gid : Credentials.hypervisor().gid();
    }
}
