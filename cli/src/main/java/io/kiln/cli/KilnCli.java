package io.kiln.cli;

import io.kiln.KernelCompilationException;
import io.kiln.KilnException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;

/**
 * The {@code kiln} command. Run it through the {@code ./kiln} launcher at the repository root, or
 * {@code java --enable-native-access=ALL-UNNAMED -cp cli/target/kiln-cli.jar:cli/target/lib/* io.kiln.cli.KilnCli}.
 * <p>Exit codes: 0 success, 1 failure (a kernel refused or wrong, a device error), 2 bad usage.
 */
@Command(name = "kiln",
        mixinStandardHelpOptions = true,
        versionProvider = KilnCli.Version.class,
        description = {"Kiln compiles static Java methods to GPU and CPU kernels, and turns images and tables into model-ready tensors.",
                "Start with 'kiln preprocess' (no arguments: a built-in sample)."},
        subcommands = {PreprocessCommand.class, BenchCommand.class, DevicesCommand.class, DemoCommand.class, CompileCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run 'kiln COMMAND --help' for a command's options. Exit codes: 0 success, 1 failure, 2 bad usage."})
public final class KilnCli implements Runnable {

    /** Exit code of a failure that is not the user's usage (a kernel refused, a device error). */
    public static final int FAILURE = 1;
    /** Exit code of bad usage: unknown option, unknown device, class or method. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT,
            description = "On an error, print the full Java stack trace too.")
    boolean stacktrace;

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        // Apache Arrow (for .arrow tables) logs through SLF4J, and the command line binds no SLF4J
        // provider: keep SLF4J's three-line "no providers" notice off the user's terminal.
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line: error handlers that print one clear line and exit 1 or 2. */
    public static CommandLine newCommandLine() {
        KilnCli root = new KilnCli();
        CommandLine cmd = new CommandLine(root);
        cmd.setParameterExceptionHandler(KilnCli::handleUsageError);
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> handleFailure(root, e, commandLine));
        return cmd;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "no command given: use one of "
                + String.join(", ", spec.subcommands().keySet().stream().filter(s -> !s.equals("help")).toList()));
    }

    private static int handleUsageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("kiln: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("Try '" + name + " --help' for usage.");
        err.flush();
        return USAGE;
    }

    private static int handleFailure(KilnCli root, Exception e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        String what = switch (e) {
            case KernelCompilationException k -> "kernel refused: " + k.getMessage();
            case KilnException k -> k.getMessage();
            case UnsupportedOperationException u -> "not supported yet: " + u.getMessage();
            default -> "internal error: " + e + (root.stacktrace ? "" : " (run with --stacktrace for details)");
        };
        err.println("kiln: " + what);
        if (root.stacktrace) e.printStackTrace(err);
        err.flush();
        return FAILURE;
    }

    /** The version from the build, with the Java runtime it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kiln " + version(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ", " + System.getProperty("java.home") + ")"};
        }
    }

    /** Kiln's version, as the build recorded it. */
    static String version() {
        try (InputStream in = KilnCli.class.getResourceAsStream("version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
