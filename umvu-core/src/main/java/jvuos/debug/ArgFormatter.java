package jvuos.debug;

import java.util.StringJoiner;

import jvuos.ptrace.GuestMemory;
import jvuos.syscall.ArgKind;

/** Renders syscall arguments the way strace does, reading strings from guest memory. */
final class ArgFormatter {
    private static final int AT_FDCWD = -100;
    private static final int MAX_STRING = 256;
    private static final String[][] OPEN_FLAGS = {
        {"0100", "O_CREAT"}, {"0200", "O_EXCL"}, {"0400", "O_NOCTTY"}, {"01000", "O_TRUNC"},
        {"02000", "O_APPEND"}, {"04000", "O_NONBLOCK"}, {"010000", "O_DSYNC"}, {"020000", "O_ASYNC"},
        {"040000", "O_DIRECT"}, {"0200000", "O_DIRECTORY"}, {"0400000", "O_NOFOLLOW"},
        {"01000000", "O_NOATIME"}, {"02000000", "O_CLOEXEC"}, {"04000000", "O_SYNC"},
        {"010000000", "O_PATH"}, {"020000000", "O_TMPFILE"}, {"0100000", "O_LARGEFILE"},
    };
    private static final String[][] AT_FLAGS = {
        {"0x100", "AT_SYMLINK_NOFOLLOW"}, {"0x200", "AT_REMOVEDIR"}, {"0x400", "AT_SYMLINK_FOLLOW"},
        {"0x800", "AT_NO_AUTOMOUNT"}, {"0x1000", "AT_EMPTY_PATH"},
    };
    private static final String[] FAMILIES = new String[47];

    static {
        FAMILIES[0] = "AF_UNSPEC";
        FAMILIES[1] = "AF_UNIX";
        FAMILIES[2] = "AF_INET";
        FAMILIES[10] = "AF_INET6";
        FAMILIES[16] = "AF_NETLINK";
        FAMILIES[17] = "AF_PACKET";
    }

    private final GuestMemory memory;

    ArgFormatter(GuestMemory memory) {
        this.memory = memory;
    }

    String format(int pid, ArgKind kind, long value) {
        return switch (kind) {
            case PATH, STRING -> string(pid, value);
            case DIRFD -> (int) value == AT_FDCWD ? "AT_FDCWD" : Integer.toString((int) value);
            case FD, INT, PID -> Integer.toString((int) value);
            case SIZE, OFFSET -> Long.toString(value);
            case MODE -> "0" + Long.toOctalString(value & 07777);
            case OPEN_FLAGS -> openFlags((int) value);
            case AT_FLAGS -> flags((int) value, AT_FLAGS, 16, "0");
            case SIGNAL -> SignalNames.name((int) value);
            case FAMILY -> value >= 0 && value < FAMILIES.length && FAMILIES[(int) value] != null
                    ? FAMILIES[(int) value] : Long.toString(value);
            case HEX, PTR, IN_BUF, OUT_BUF -> value == 0 ? (kind == ArgKind.HEX ? "0" : "NULL")
                    : "0x" + Long.toHexString(value);
        };
    }

    private String string(int pid, long address) {
        if (address == 0) {
            return "NULL";
        }
        String s = memory.readString(pid, address, MAX_STRING + 1);
        if (s == null) {
            return "0x" + Long.toHexString(address);
        }
        return quote(s.length() > MAX_STRING ? s.substring(0, MAX_STRING) : s) + (s.length() > MAX_STRING ? "..." : "");
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String openFlags(int value) {
        String access = switch (value & 3) {
            case 0 -> "O_RDONLY";
            case 1 -> "O_WRONLY";
            case 2 -> "O_RDWR";
            default -> "O_ACCMODE";
        };
        String rest = flags(value & ~3, OPEN_FLAGS, 8, "");
        return rest.isEmpty() ? access : access + "|" + rest;
    }

    /** Names the known bits of {@code value}; what is left is appended as a number. */
    private static String flags(int value, String[][] names, int radix, String zero) {
        StringJoiner out = new StringJoiner("|");
        int left = value;
        for (String[] n : names) {
            int bit = radix == 8 ? Integer.parseInt(n[0], 8) : Integer.decode(n[0]);
            if ((left & bit) == bit) {
                out.add(n[1]);
                left &= ~bit;
            }
        }
        if (left != 0) {
            out.add(radix == 8 ? "0" + Integer.toOctalString(left) : "0x" + Integer.toHexString(left));
        }
        String s = out.toString();
        return s.isEmpty() ? zero : s;
    }
}
