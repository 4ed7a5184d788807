import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build step: rewrites the class-file version of a compiled module-info.class to 53 (Java 9).
 *
 * <p>Why: the maven-jar-plugin rewrites modular jars with the {@code jar} tool of the JVM that runs
 * Maven. On the Java 17 that is the default here, that tool cannot read Java 25 class files, so
 * {@code mvn verify} would fail. A module descriptor uses nothing newer than Java 9, and every JVM
 * from 9 on reads a version-53 descriptor, so the jar stays a proper Java 25 modular jar.
 */
public class ModuleInfoVersion {
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        if (!Files.exists(file)) {
            return;
        }
        byte[] b = Files.readAllBytes(file);
        if ((b[0] & 0xFF) != 0xCA || (b[1] & 0xFF) != 0xFE || (b[2] & 0xFF) != 0xBA || (b[3] & 0xFF) != 0xBE) {
            throw new IOException(file + " is not a class file");
        }
        b[4] = 0;
        b[5] = 0;
        b[6] = 0;
        b[7] = 53;
        Files.write(file, b);
    }
}
