package io.kiln.loader;

/**
 * The image decoder a loader uses. JPEG files can go through libjpeg-turbo (its TurboJPEG API,
 * called with the FFM API); everything else, and JPEG when libjpeg-turbo is absent, through
 * {@code javax.imageio}. {@link LoaderReport#decoders()} says which decoder ran how often.
 */
public enum Decoder {
    /** TurboJPEG for JPEG when {@code libturbojpeg.so.0} loads, otherwise ImageIO; ImageIO for other formats. The default. */
    AUTO,
    /**
     * TurboJPEG for JPEG, ImageIO for other formats (PNG, ...). Building a loader with it throws
     * {@link IllegalStateException} when libturbojpeg cannot be loaded ({@link #turboJpegStatus()} says why).
     */
    TURBOJPEG,
    /** {@code javax.imageio} for every format: always present, slower. */
    IMAGEIO;

    /**
     * The system property that, set to {@code false}, makes the loader act as if libturbojpeg were
     * absent (to test or compare the fallback): {@code -Dkiln.loader.turbojpeg=false}.
     */
    public static final String TURBOJPEG_PROPERTY = "kiln.loader.turbojpeg";

    /** Whether libjpeg-turbo's TurboJPEG library can be used here (loaded, its functions found, not disabled). */
    public static boolean turboJpegAvailable() {
        return TurboJpeg.available();
    }

    /** A line that says whether TurboJPEG is used and, when not, why (the library is missing, disabled by the property, ...). */
    public static String turboJpegStatus() {
        return TurboJpeg.status();
    }
}
