/** The {@code kiln} command line: devices, demo, compile. */
module io.kiln.cli {
    requires io.kiln.kernels;
    requires info.picocli;

    // picocli sets the annotated option fields reflectively.
    opens io.kiln.cli to info.picocli;
}
