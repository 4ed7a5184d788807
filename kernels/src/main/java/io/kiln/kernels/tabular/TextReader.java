package io.kiln.kernels.tabular;

/** Reads the line-based text forms of fitted states, with messages naming the line that is wrong. */
final class TextReader {
    private final String[] lines;
    private final String what;
    private int next;

    TextReader(String text, String what) {
        this.lines = text.split("\n", -1);
        this.what = what;
    }

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException("not a Kiln tabular " + what + " text, line " + next + ": " + message);
    }

    String line() {
        if (next >= lines.length || (next == lines.length - 1 && lines[next].isEmpty())) {
            next++;
            throw error("the text ends early");
        }
        return lines[next++];
    }

    void expectLine(String expected) {
        String l = line();
        if (!l.equals(expected)) throw error("expected '" + expected + "', found '" + l + "'");
    }

    /** The fields of the next line, which must start with {@code key} and have {@code count} fields. */
    String[] fields(String key, int count) {
        String l = line();
        String[] f = l.split(" ", -1);
        if (!f[0].equals(key) || f.length != count) {
            throw error("expected a '" + key + "' line of " + count + " fields, found '" + l + "'");
        }
        return f;
    }

    void check(String[] f, int i, String expected) {
        if (!f[i].equals(expected)) throw error("field " + (i + 1) + " should be '" + expected + "', found '" + f[i] + "'");
    }

    int intField(String key) {
        String[] f = fields(key, 2);
        try {
            int v = Integer.parseInt(f[1]);
            if (v < 0) throw error("'" + key + "' must be >= 0, found " + v);
            return v;
        } catch (NumberFormatException e) {
            throw error("'" + key + "' is not an integer: '" + f[1] + "'");
        }
    }

    long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error("not an integer: '" + s + "'");
        }
    }

    double parseDouble(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw error("not a number: '" + s + "'");
        }
    }

    void expectEnd() {
        while (next < lines.length) {
            if (!lines[next].isEmpty()) throw error("unexpected text after the last column: '" + lines[next] + "'");
            next++;
        }
    }
}
