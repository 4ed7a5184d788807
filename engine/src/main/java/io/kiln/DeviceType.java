package io.kiln;

/** The hardware class of a device, as its driver reports it. */
public enum DeviceType {
    GPU, CPU, ACCELERATOR, OTHER
}
