package io.kiln.loader;

/**
 * Which layer limits a run, with the numbers behind the verdict.
 *
 * @param stage   the limiting stage: {@link Stage#READ} (I/O), {@link Stage#DECODE}, {@link Stage#DEVICE} or {@link Stage#CONSUMER}
 * @param verdict one line, for example
 *                {@code "decode limits: decode pool 97% busy (2 threads, 1.9 ms/image); device 31%; reads 4% of 16 in flight; consumer waited 72%"}
 * @param advice  what to change to go faster (more workers, more reads in flight, a faster device, ...)
 */
public record Bottleneck(Stage stage, String verdict, String advice) {
    @Override
    public String toString() {
        return verdict;
    }
}
