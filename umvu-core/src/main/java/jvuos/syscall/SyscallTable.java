package jvuos.syscall;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The x86_64 syscall table, read from {@code x86_64.tsv}: the data that drives the seccomp
 * filter, the dispatch and the debug trace. Nothing about a syscall is hard-coded elsewhere.
 */
public final class SyscallTable {
    private static final String RESOURCE = "/jvuos/syscall/x86_64.tsv";

    private final Syscall[] byNumber;
    private final Map<String, Syscall> byName;

    private SyscallTable(List<Syscall> rows) {
        int max = rows.stream().mapToInt(Syscall::nr).max().orElse(-1);
        byNumber = new Syscall[max + 1];
        byName = new HashMap<>();
        for (Syscall s : rows) {
            if (byNumber[s.nr()] != null || byName.put(s.name(), s) != null) {
                throw new IllegalArgumentException("duplicate syscall " + s.nr() + " " + s.name());
            }
            byNumber[s.nr()] = s;
        }
    }

    /** The table shipped with umvu. */
    public static SyscallTable x86_64() {
        return TsvRows.resource(RESOURCE, SyscallTable::parse);
    }

    /** Parses "nr TAB name TAB kind,kind,... TAB returns" rows; '#' starts a comment line. */
    static SyscallTable parse(java.io.Reader source) throws IOException {
        List<Syscall> rows = new ArrayList<>();
        for (TsvRows.Row row : TsvRows.read(source, 4)) {
            String[] f = row.fields();
            int lineNo = row.lineNo();
            List<ArgKind> args = f[2].equals("-")
                    ? List.of()
                    : Arrays.stream(f[2].split(",")).map(ArgKind::valueOf).toList();
            if (args.size() > 6) {
                throw new IllegalArgumentException("line " + lineNo + ": more than 6 arguments");
            }
            rows.add(new Syscall(Integer.parseInt(f[0]), f[1], args, ReturnKind.valueOf(f[3])));
        }
        return new SyscallTable(rows);
    }

    public Optional<Syscall> byNumber(int nr) {
        return nr >= 0 && nr < byNumber.length ? Optional.ofNullable(byNumber[nr]) : Optional.empty();
    }

    public Optional<Syscall> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The highest syscall number in the table. */
    public int maxNumber() {
        return byNumber.length - 1;
    }

    public List<Syscall> all() {
        List<Syscall> all = new ArrayList<>();
        for (Syscall s : byNumber) {
            if (s != null) {
                all.add(s);
            }
        }
        return Collections.unmodifiableList(all);
    }
}
