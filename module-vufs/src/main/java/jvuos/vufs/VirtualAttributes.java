package jvuos.vufs;

import java.util.ArrayList;
import java.util.List;

import jvuos.module.FileStat;

/**
 * What a union shows of a file instead of what its host file says, where the host would not
 * let the hypervisor's user set it (the owner of a copied-up file, a device node made without
 * root) or where {@code nochcopy} asked for no copy: VUOS's metadata file {@code A/.-/PATH\x7f},
 * lines of {@code tag=value}. A null field leaves the host's value.
 *
 * @param mode permission bits (07777)
 * @param type a file type of {@link FileStat} (S_IFCHR...), shown instead of the host file's
 * @param rdev the device number of a virtual device node
 * @param opaque true for a directory made where one of the lower layer was removed: the lower
 *               one's entries are not part of it ({@code opaque=y}, a tag of ours that VUOS
 *               ignores: for VUOS each of those entries is whited out as well)
 */
record VirtualAttributes(Integer mode, Integer uid, Integer gid, Integer type, Long rdev, boolean opaque) {
    static final VirtualAttributes NONE = new VirtualAttributes(null, null, null, null, null, false);

    /** VUOS's one-letter file types of {@code type=}. */
    private static final String TYPE_LETTERS = "sfcbp";
    private static final int[] TYPES = {FileStat.S_IFSOCK, FileStat.S_IFREG, FileStat.S_IFCHR, FileStat.S_IFBLK, FileStat.S_IFIFO};

    boolean isEmpty() {
        return equals(NONE);
    }

    VirtualAttributes withMode(Integer m) {
        return new VirtualAttributes(m, uid, gid, type, rdev, opaque);
    }

    VirtualAttributes withOwner(Integer u, Integer g) {
        return new VirtualAttributes(mode, u, g, type, rdev, opaque);
    }

    VirtualAttributes withDevice(int t, long r) {
        return new VirtualAttributes(mode, uid, gid, t, r, opaque);
    }

    VirtualAttributes withOpaque(boolean o) {
        return new VirtualAttributes(mode, uid, gid, type, rdev, o);
    }

    /** These attributes, with {@code other}'s where these leave one to the host. */
    VirtualAttributes orElse(VirtualAttributes other) {
        return new VirtualAttributes(mode != null ? mode : other.mode, uid != null ? uid : other.uid,
                gid != null ? gid : other.gid, type != null ? type : other.type, rdev != null ? rdev : other.rdev,
                opaque || other.opaque);
    }

    /** The host file's attributes as the view shows them. */
    FileStat applyTo(FileStat s) {
        int m = s.mode();
        if (type != null) {
            m = type | (m & 07777);
        }
        if (mode != null) {
            m = (m & FileStat.S_IFMT) | (mode & 07777);
        }
        return new FileStat(m, s.ino(), s.nlink(), uid != null ? uid : s.uid(), gid != null ? gid : s.gid(),
                rdev != null ? rdev : s.rdev(), s.size(), s.blocks(), s.blockSize(), s.atime(), s.mtime(), s.ctime());
    }

    /**
     * The attributes a metadata file's text records.
     *
     * @throws IllegalArgumentException for a line that is not VUOS's (the file is then ignored)
     */
    static VirtualAttributes parse(String text) {
        Integer mode = null;
        Integer uid = null;
        Integer gid = null;
        Integer type = null;
        Long rdev = null;
        boolean opaque = false;
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (line.isEmpty() || eq < 0) {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            switch (line.substring(0, eq)) {
                case "mode" -> mode = Integer.parseInt(value, 8) & 07777;
                case "uid" -> uid = Integer.parseUnsignedInt(value);
                case "gid" -> gid = Integer.parseUnsignedInt(value);
                case "type" -> {
                    int at = value.length() == 1 ? TYPE_LETTERS.indexOf(value.charAt(0) == '-' ? 'f' : value.charAt(0)) : -1;
                    if (at < 0) {
                        throw new IllegalArgumentException("unknown type " + value);
                    }
                    type = TYPES[at];
                }
                case "rdev" -> {
                    String[] majorMinor = value.split(",");
                    if (majorMinor.length != 2) {
                        throw new IllegalArgumentException("rdev is not MAJOR,MINOR: " + value);
                    }
                    rdev = FileStat.makedev(Long.parseLong(majorMinor[0].trim()), Long.parseLong(majorMinor[1].trim()));
                }
                case "opaque" -> opaque = value.equals("y");
                default -> {
                    // VUOS's dev= and ctime=, and tags of later versions: not ours to show
                }
            }
        }
        return new VirtualAttributes(mode, uid, gid, type, rdev, opaque);
    }

    /** The text of the metadata file, in VUOS's format. */
    String format() {
        List<String> lines = new ArrayList<>();
        if (type != null) {
            lines.add("type=" + TYPE_LETTERS.charAt(indexOfType(type)));
        }
        if (mode != null) {
            lines.add("mode=0" + Integer.toOctalString(mode));
        }
        if (uid != null) {
            lines.add("uid=" + Integer.toUnsignedString(uid));
        }
        if (gid != null) {
            lines.add("gid=" + Integer.toUnsignedString(gid));
        }
        if (rdev != null) {
            lines.add("rdev=" + FileStat.major(rdev) + "," + FileStat.minor(rdev));
        }
        if (opaque) {
            lines.add("opaque=y");
        }
        return String.join("\n", lines) + "\n";
    }

    private static int indexOfType(int t) {
        for (int i = 0; i < TYPES.length; i++) {
            if (TYPES[i] == t) {
                return i;
            }
        }
        throw new IllegalArgumentException("no VUOS letter for file type " + Integer.toOctalString(t));
    }
}
