package io.kiln.loader;

/** Why a sample was left out (or, under {@link BadSamplePolicy#FAIL}, stopped the loader). */
public enum FailureKind {
    /** Its bytes could not be read: a missing file, no permission, an I/O error, an iterator that threw. */
    UNREADABLE,
    /** The decoder rejected it: a corrupt or truncated file, an unknown format. */
    CORRUPT,
    /** The decoder failed in an unexpected way (an exception other than a format error). */
    DECODER_CRASH,
    /** It decoded, but its size or channels do not fit the pipeline (too small for the crop, too large, ...). */
    WRONG_SIZE,
    /** A per-sample transform or the batch's pipeline threw for it; for CSV, a row with a non-numeric or missing column. */
    TRANSFORM
}
