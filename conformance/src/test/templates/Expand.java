import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build step (conformance/pom.xml, run by the toolchain's JDK): writes one typed test from a template,
 * {@code java Expand.java <template> <out.java> key=value...}, replacing every {@code #{key}}.
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
        String text = Files.readString(Path.of(args[0]));
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
}
