package io.kiln.spark;

import org.apache.spark.sql.SparkSession;

/** The test sessions: {@code local[2]}, no UI, few shuffle partitions, so that a test takes seconds. */
final class SparkTests {
    private SparkTests() {
    }

    static SparkSession session(String name) {
        return SparkSession.builder().master("local[2]").appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }
}
