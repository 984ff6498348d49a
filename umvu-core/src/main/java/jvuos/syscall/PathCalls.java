package jvuos.syscall;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The path rules of every path-taking syscall, read from {@code x86_64-paths.tsv}, indexed by number. */
public final class PathCalls {
    private static final String RESOURCE = "/jvuos/syscall/x86_64-paths.tsv";

    private final PathCall[] byNumber;

    private PathCalls(SyscallTable table, List<PathCall> calls) {
        byNumber = new PathCall[table.maxNumber() + 1];
        for (PathCall c : calls) {
            byNumber[c.syscall().nr()] = c;
        }
    }

    public static PathCalls x86_64(SyscallTable table) {
        return TsvRows.resource(RESOURCE, source -> parse(table, source));
    }

    static PathCalls parse(SyscallTable table, Reader source) throws IOException {
        List<PathCall> calls = new ArrayList<>();
        for (TsvRows.Row row : TsvRows.read(source, 3)) {
            String[] f = row.fields();
            int lineNo = row.lineNo();
            int at = lineNo;
            Syscall s = table.byName(f[0]).orElseThrow(
                    () -> new IllegalArgumentException("line " + at + ": unknown syscall " + f[0]));
            List<PathArg> args = new ArrayList<>();
            for (String rule : f[1].split(" ")) {
                args.add(rule(s, rule, lineNo));
            }
            Set<PathCall.Effect> effects = EnumSet.noneOf(PathCall.Effect.class);
            if (!f[2].equals("-")) {
                for (String e : f[2].split(",")) {
                    effects.add(PathCall.Effect.valueOf(e.toUpperCase(Locale.ROOT)));
                }
            }
            calls.add(new PathCall(s, args, effects));
        }
        return new PathCalls(table, calls);
    }

    private static PathArg rule(Syscall s, String rule, int lineNo) {
        String[] parts = rule.split(":");
        int index = Integer.parseInt(parts[0]);
        if (index >= s.args().size() || s.args().get(index) != ArgKind.PATH) {
            throw new IllegalArgumentException("line " + lineNo + ": argument " + index + " of " + s.name() + " is not a PATH");
        }
        int dirfd = index > 0 && s.args().get(index - 1) == ArgKind.DIRFD ? index - 1 : -1;
        String f = parts[1];
        PathArg.Follow follow = switch (f.charAt(0)) {
            case 'f' -> PathArg.Follow.FOLLOW;
            case 'n' -> PathArg.Follow.NOFOLLOW;
            case 'N' -> PathArg.Follow.NAME;
            case 'a' -> PathArg.Follow.AT_NOFOLLOW_FLAG;
            case 'F' -> PathArg.Follow.AT_FOLLOW_FLAG;
            case 'o' -> PathArg.Follow.OPEN_FLAGS;
            case 'h' -> PathArg.Follow.OPEN_HOW;
            default -> throw new IllegalArgumentException("line " + lineNo + ": bad follow rule " + f);
        };
        int flagsIndex = f.length() > 1 ? Integer.parseInt(f.substring(1)) : -1;
        ArgKind flagsKind = switch (follow) {
            case FOLLOW, NOFOLLOW, NAME -> null;
            case AT_NOFOLLOW_FLAG, AT_FOLLOW_FLAG -> ArgKind.AT_FLAGS;
            case OPEN_FLAGS -> ArgKind.OPEN_FLAGS;
            case OPEN_HOW -> ArgKind.PTR;
        };
        boolean flagsOk = flagsKind == null
                ? flagsIndex < 0
                : flagsIndex >= 0 && flagsIndex < s.args().size() && s.args().get(flagsIndex) == flagsKind;
        if (!flagsOk) {
            throw new IllegalArgumentException("line " + lineNo + ": bad flags argument in " + rule);
        }
        boolean writes = false;
        int denied = 0;
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].equals("w")) {
                writes = true;
            } else if (parts[i].startsWith("e")) {
                denied = Integer.parseInt(parts[i].substring(1));
            } else {
                throw new IllegalArgumentException("line " + lineNo + ": bad rule " + rule);
            }
        }
        return new PathArg(index, dirfd, follow, flagsIndex, writes, denied);
    }

    /** The path rules of syscall {@code nr}, or null when it takes no path. */
    public PathCall byNumber(int nr) {
        return nr >= 0 && nr < byNumber.length ? byNumber[nr] : null;
    }

    /** Every path-taking syscall's number. */
    public java.util.BitSet numbers() {
        java.util.BitSet set = new java.util.BitSet();
        for (PathCall c : byNumber) {
            if (c != null) {
                set.set(c.syscall().nr());
            }
        }
        return set;
    }
}
