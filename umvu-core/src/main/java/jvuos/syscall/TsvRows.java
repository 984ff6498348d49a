package jvuos.syscall;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The rows of the tab-separated data files of this package ('#' starts a comment line). */
final class TsvRows {
    /** One row: its fields and its line number, for error messages. */
    record Row(String[] fields, int lineNo) {
    }

    private TsvRows() {
    }

    /** Reads a resource of this package with {@code parser}. */
    static <T> T resource(String name, Parser<T> parser) {
        try (InputStream in = TsvRows.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return parser.parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    interface Parser<T> {
        T parse(Reader source) throws IOException;
    }

    /** The non-comment rows, each checked to have {@code fields} fields. */
    static List<Row> read(Reader source, int fields) throws IOException {
        List<Row> rows = new ArrayList<>();
        BufferedReader reader = new BufferedReader(source);
        String line;
        int lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != fields) {
                throw new IllegalArgumentException("line " + lineNo + ": expected " + fields
                        + " tab-separated fields: " + line);
            }
            rows.add(new Row(f, lineNo));
        }
        return rows;
    }
}
