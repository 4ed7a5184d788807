package io.kiln.loader;

/**
 * Text to float as {@link Float#parseFloat} gives it, fast for the decimal numbers CSV files hold.
 * A number with at most 7 significant digits (the mantissa below 2^24) and a decimal exponent within
 * +-10 is {@code m * 10^e} or {@code m / 10^-e} in float arithmetic: both operands are exact floats,
 * so the one rounding gives the correctly rounded result, which is what {@code parseFloat} returns
 * (Clinger's fast path). Everything else goes to {@code Float.parseFloat}.
 */
final class FastFloat {
    private static final float[] POW10 = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

    private FastFloat() {
    }

    /** The value of {@code s} (surrounding blanks ignored); NaN for an empty field or text that is not a number. */
    static float parse(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return parse(b, 0, b.length, s);
    }

    /** The value of the ASCII text {@code b[from, to)}; NaN for a blank field or text that is not a number. */
    static float parse(byte[] b, int from, int to) {
        return parse(b, from, to, null);
    }

    private static float parse(byte[] b, int from, int to, String original) {
        int i = from, n = to;
        while (i < n && (b[i] & 0xFF) <= ' ') i++;
        while (n > i && (b[n - 1] & 0xFF) <= ' ') n--;
        if (i == n) return Float.NaN;
        int start = i;
        boolean neg = false;
        int c = b[i];
        if (c == '-' || c == '+') {
            neg = c == '-';
            i++;
        }
        long m = 0;
        int digits = 0, exp = 0;
        boolean any = false, dot = false;
        for (; i < n; i++) {
            c = b[i];
            if (c >= '0' && c <= '9') {
                any = true;
                if (m == 0 && c == '0') {
                    if (dot) exp--;
                    continue;
                }
                if (digits < 18) {
                    m = m * 10 + (c - '0');
                    digits++;
                    if (dot) exp--;
                } else if (!dot) {
                    exp++;
                }
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                break;
            }
        }
        if (i < n && any && (b[i] == 'e' || b[i] == 'E')) {
            int j = i + 1;
            boolean eneg = false;
            if (j < n && (b[j] == '-' || b[j] == '+')) eneg = b[j++] == '-';
            int e = 0;
            boolean edig = false;
            for (; j < n && b[j] >= '0' && b[j] <= '9'; j++) {
                edig = true;
                if (e < 10_000) e = e * 10 + (b[j] - '0');
            }
            if (edig) {
                exp += eneg ? -e : e;
                i = j;
            }
        }
        if (i == n && any && m < (1 << 24) && exp >= -10 && exp <= 10) {
            float v = exp >= 0 ? m * POW10[exp] : m / POW10[-exp];
            return neg ? -v : v;
        }
        try {
            return Float.parseFloat(original != null ? original.strip()
                    : new String(b, start, n - start, java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }

    /** {@link #isMissingOrNaN(String)} for ASCII bytes. */
    static boolean isMissingOrNaN(byte[] b, int from, int to) {
        return isMissingOrNaN(new String(b, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Whether a field whose value is NaN means a missing value or NaN itself (empty, blank, {@code NaN}), not a bad field. */
    static boolean isMissingOrNaN(String s) {
        String t = s.strip();
        return t.isEmpty() || t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("+nan") || t.equalsIgnoreCase("-nan");
    }
}
