package com.example;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImagePresets;

/** A kernel of its own on the cpu device, and the library's ImageNet preset on one image. */
public class Main {
    /** y = a * x + y. */
    static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    public static void main(String[] args) {
        Device cpu = Devices.get("cpu");                      // kiln-cpu-fallback came with kiln-all
        float[] x = new float[1000], y = new float[1000];
        java.util.Arrays.fill(x, 1f);
        TaskGraph graph = new TaskGraph("saxpy")
                .transferToDevice(Transfer.FIRST_RUN, x)
                .transferToDevice(Transfer.EVERY_RUN, y)
                .task("saxpy", Main::saxpy, 2f, x, y)
                .transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = graph.plan(cpu)) {
            plan.run();
        }
        byte[] rgb = new byte[320 * 240 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 7);
        float[] tensor = ImagePresets.imagenetEval().apply(new Image(rgb, 320, 240, 3), cpu);
        System.out.println("sample: y[0] = " + y[0] + ", tensor of " + tensor.length + " floats on " + cpu.id());
    }
}
