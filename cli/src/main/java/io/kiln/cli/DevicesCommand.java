package io.kiln.cli;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln devices}: the devices Kiln can use and the back ends that found none. */
@Command(name = "devices", mixinStandardHelpOptions = true, versionProvider = KilnCli.Version.class,
        description = {"List the devices Kiln can run kernels on, and why other back ends are unavailable.",
                "The default device (what 'auto' picks) is marked with *."})
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Device> devices = Devices.list();
        String auto = null;
        if (!devices.isEmpty()) {
            try {
                auto = Devices.auto().id();
            } catch (KilnException e) {
                auto = null;
            }
        }
        if (devices.isEmpty()) {
            out.println("No devices found.");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "BACKEND", "TYPE", "NAME", "COMPUTE UNITS", "MEMORY"});
            for (Device d : devices) {
                rows.add(new String[] {(d.id().equals(auto) ? "* " : "  ") + d.id(), d.backend().idPrefix(), d.type().name(),
                        d.name(), Integer.toString(d.computeUnits()), formatBytes(d.memoryBytes())});
            }
            rows.get(0)[0] = "  ID";
            printTable(out, rows, new boolean[] {false, false, false, false, true, true});
            if (auto != null) out.println("* default device (kiln demo without --device, Devices.auto())");
        }
        Map<Backend, String> unavailable = Devices.unavailable();
        if (!unavailable.isEmpty()) {
            out.println();
            out.println("Unavailable back ends:");
            for (Backend b : Backend.values()) {
                String why = unavailable.get(b);
                if (why != null) out.println("  " + b.idPrefix() + ": " + why);
            }
        }
        if (devices.isEmpty()) {
            out.println();
            out.println("Install an OpenCL driver (Debian/Ubuntu: apt-get install ocl-icd-libopencl1 ocl-icd-opencl-dev "
                    + "pocl-opencl-icd) or put kiln-cpu-fallback on the class path.");
        }
        out.flush();
        return 0;
    }

    static void printTable(PrintWriter out, List<String[]> rows, boolean[] rightAligned) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) width[c] = Math.max(width[c], r[c].length());
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                if (c > 0) sb.append("  ");
                String cell = r[c];
                String pad = " ".repeat(width[c] - cell.length());
                sb.append(rightAligned[c] ? pad + cell : cell + (c == r.length - 1 ? "" : pad));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** Bytes in binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 15.6 GiB}. */
    static String formatBytes(long bytes) {
        if (bytes < 0) return "?";
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
