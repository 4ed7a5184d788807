package io.kiln.cli.preprocess;

/**
 * One {@code .npy} file a job wrote.
 *
 * @param file    its name in the output folder
 * @param samples its leading dimension
 * @param shape   its whole shape
 */
public record OutputFile(String file, long samples, long[] shape) {
}
