package io.kiln.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The test sessions: {@code local[2]}, no UI, few shuffle partitions, so that a test takes seconds.
 * {@code getOrCreate} hands every test class the session already running, if any: starting Spark is
 * the slowest part of these tests, so classes that need no fresh session leave theirs running (Spark's
 * shutdown hook stops it at exit) and those that do ({@code ExecutorRuntimeTest}) stop it.
 */
final class SparkTests {
    private SparkTests() {
    }

    /** The running {@code local[2]} session, or a new one named {@code name}. */
    static SparkSession session(String name) {
        return SparkSession.builder().master("local[2]").appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /** Stops the running session, if any, so that the next {@link #session} (or a builder) starts afresh. */
    static void stopRunning() {
        if (SparkSession.getActiveSession().isDefined()) SparkSession.getActiveSession().get().stop();
        if (SparkSession.getDefaultSession().isDefined()) SparkSession.getDefaultSession().get().stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }
}
