package io.kiln.cli;

import io.kiln.KernelCompiler;
import io.kiln.Target;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.PrintWriter;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code kiln compile}: prints the code Kiln generates for one kernel method. */
@Command(name = "compile", mixinStandardHelpOptions = true, versionProvider = KilnCli.Version.class,
        description = {"Print the code Kiln generates for a static kernel method, without running it.",
                "A class name without a package is looked up in io.kiln.kernels too (kiln compile Blas saxpy)."})
final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CLASS", description = "Fully qualified name of the class declaring the kernel.")
    String className;

    @Parameters(index = "1", paramLabel = "METHOD", description = "Name of the static kernel method; of an overloaded one with its parameter types, e.g. 'unary(int, float, float, float[], float[], int)' (quote it for the shell).")
    String methodName;

    @Option(names = {"-t", "--target"}, paramLabel = "TARGET", defaultValue = "opencl",
            converter = TargetConverter.class, completionCandidates = TargetNames.class,
            description = "What to print: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}). "
                    + "opencl = OpenCL C, ptx = PTX assembly, ir = Kiln's kernel IR, jvm = the CPU back end's bytecode.")
    Target target;

    @Option(names = {"-cp", "--classpath", "--class-path"}, paramLabel = "PATH",
            description = "Directories and jars to load CLASS from, separated by ':' (';' on Windows). "
                    + "Without it, CLASS must be on kiln's own class path (the Kiln library kernels are).")
    String classPath;

    @Option(names = "--passes", description = "Also print the kernel's IR as the front end made it and after each pass"
            + " (constant folding, range-check elimination), before the target's code.")
    boolean passes;

    @Override
    public Integer call() {
        Class<?> owner = loadClass();
        String code;
        StringBuilder dumps = new StringBuilder();
        try {
            code = KernelCompiler.emit(owner, methodName, target, passes ? d -> dumps.append(d).append(d.endsWith("\n") ? "" : "\n").append('\n') : null);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (passes) out.print(dumps.append("== ").append(target.name().toLowerCase(Locale.ROOT)).append(" ==\n"));
        out.print(code);
        if (!code.endsWith("\n")) out.println();
        out.flush();
        return 0;
    }

    private Class<?> loadClass() {
        ClassLoader loader = CompileCommand.class.getClassLoader();
        if (classPath != null) {
            List<URL> urls = new ArrayList<>();
            for (String entry : classPath.split(File.pathSeparator)) {
                if (entry.isEmpty()) continue;
                File f = new File(entry);
                if (!f.exists()) {
                    throw new ParameterException(spec.commandLine(), "class path entry '" + entry + "' does not exist");
                }
                try {
                    urls.add(f.getAbsoluteFile().toURI().toURL());
                } catch (MalformedURLException e) {
                    throw new ParameterException(spec.commandLine(), "class path entry '" + entry + "' is not a valid path: " + e.getMessage());
                }
            }
            // Not closed: the front end may read the class file through this loader while compiling.
            loader = new URLClassLoader("kiln-compile", urls.toArray(URL[]::new), loader);
        }
        List<String> candidates = new ArrayList<>();
        candidates.add(className);
        if (!className.contains(".")) candidates.add("io.kiln.kernels." + className);
        for (String name : candidates) {
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException e) {
                // try the next candidate
            } catch (LinkageError e) {
                throw new ParameterException(spec.commandLine(), "class '" + name + "' cannot be loaded: " + e);
            }
        }
        throw new ParameterException(spec.commandLine(), "class '" + className + "' not found"
                + (classPath == null ? " on kiln's class path: give its directory or jar with --classpath PATH"
                : " in --classpath " + classPath + " (give the fully qualified name, e.g. com.example.Kernels)"));
    }

    /** Parses {@code opencl}, {@code ptx}, {@code ir}, {@code jvm} (any case). */
    static final class TargetConverter implements CommandLine.ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "opencl", "opencl_c", "cl" -> Target.OPENCL_C;
                case "ptx" -> Target.PTX;
                case "ir" -> Target.IR;
                case "jvm" -> Target.JVM;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a target: use one of opencl, ptx, ir, jvm");
            };
        }
    }

    /** The target names shown in help. */
    static final class TargetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("opencl", "ptx", "ir", "jvm").iterator();
        }
    }
}
