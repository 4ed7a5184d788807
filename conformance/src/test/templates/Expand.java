import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build step (conformance/pom.xml, run by the toolchain's JDK): writes one typed test from a template,
 * {@code java Expand.java <template> <out.java> key=value...}, replacing every {@code #{key}}. Lines
 * between {@code // #if key=value} and {@code // #end} (each on a line of its own, not nested) are kept
 * only where that key has that value: kernels one type has and the other has not (int's unsigned
 * division, long's {@code multiplyHigh}) stay in the one template next to the kernels both share.
 *
 * <p>Why: kernels are Java methods over primitive arrays and cannot be generic over the element type,
 * so tests that differ only in the type (float and double arithmetic) are one template, expanded once
 * per type, instead of copies that drift apart. A {@code #{key}} without a value is an error, so a
 * template and its pom entries cannot silently disagree.
 */
public class Expand {
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: java Expand.java <template> <out.java> key=value...");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("argument '" + args[i] + "' is not key=value");
            values.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        String text = sections(args[0], Files.readString(Path.of(args[0])), values);
        Matcher m = Pattern.compile("#\\{(\\w+)}").matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException(args[0] + ": no value for #{" + m.group(1) + "}; add " + m.group(1)
                        + "=... to its execution in conformance/pom.xml");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        Path target = Path.of(args[1]);
        Files.createDirectories(target.getParent());
        // unchanged text keeps the file's time, so the test compile stays incremental
        if (!Files.exists(target) || !Files.readString(target).contentEquals(out)) Files.writeString(target, out);
    }

    /** The text without the {@code // #if key=value} sections whose key has another value. */
    static String sections(String template, String text, Map<String, String> values) {
        Pattern open = Pattern.compile("\\s*// #if (\\w+)=(\\S*)\\s*");
        StringBuilder out = new StringBuilder();
        Boolean keep = null; // null: outside a section
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            Matcher m = open.matcher(line);
            String where = template + ":" + lineNumber + ": ";
            if (m.matches()) {
                if (keep != null) throw new IllegalArgumentException(where + "'// #if' inside another; close it with '// #end' first");
                String v = values.get(m.group(1));
                if (v == null) throw new IllegalArgumentException(where + "no value for " + m.group(1) + " in '// #if'");
                keep = v.equals(m.group(2));
            } else if (line.strip().equals("// #end")) {
                if (keep == null) throw new IllegalArgumentException(where + "'// #end' without '// #if'");
                keep = null;
            } else if (keep == null || keep) {
                out.append(line).append('\n');
            }
        }
        if (keep != null) throw new IllegalArgumentException(template + ": '// #if' without '// #end'");
        // split kept a last empty piece after the final newline; do not add a newline the file did not have
        out.setLength(out.length() - 1);
        return out.toString();
    }
}
