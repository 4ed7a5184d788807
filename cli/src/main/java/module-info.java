/** The {@code kiln} command line: preprocess, bench, devices, demo, compile. Exports nothing. */
module io.kiln.cli {
    requires io.kiln.kernels;
    requires io.kiln.loader;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;

    // picocli sets the annotated option fields reflectively.
    opens io.kiln.cli to info.picocli;
}
