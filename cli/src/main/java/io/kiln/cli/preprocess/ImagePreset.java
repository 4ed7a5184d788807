package io.kiln.cli.preprocess;

import io.kiln.kernels.ImagePipeline;
import io.kiln.kernels.ImagePresets;
import io.kiln.kernels.ImageResize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The image presets of {@code kiln preprocess --preset}: a name, the library's {@link ImagePipeline}
 * and its exact parameters (written into {@code manifest.json} and docs/preprocess.md).
 */
public enum ImagePreset {
    /** {@link ImagePresets#imagenetEval()}: shorter side 256 (OpenCV INTER_LINEAR), centre crop 224, /255, ImageNet mean/std. */
    IMAGENET_EVAL("imagenet-eval", "resize shorter side to 256 (OpenCV INTER_LINEAR), centre crop 224x224, /255, ImageNet mean/std, CHW"),
    /** The eval chain with Pillow's antialiased bilinear resize, as torchvision 0.17+ does on PIL images. */
    IMAGENET_EVAL_ANTIALIAS("imagenet-eval-antialias",
            "resize shorter side to 256 (Pillow antialiased bilinear, torchvision's default), centre crop 224x224, /255, ImageNet mean/std, CHW"),
    /** {@link ImagePresets#imagenetTrain(long)}: RandomResizedCrop(224), flip p = 0.5, seeded by {@code --seed}. */
    IMAGENET_TRAIN("imagenet-train",
            "RandomResizedCrop 224x224 (scale 0.08..1, ratio 3/4..4/3, OpenCV INTER_LINEAR), horizontal flip p=0.5, /255, ImageNet mean/std, CHW; seeded by --seed");

    private final String id;
    private final String description;

    ImagePreset(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    /** One line saying what the preset does, with its numbers. */
    public String description() {
        return description;
    }

    /** The chain, seeded with {@code seed} where it has random steps. */
    public ImagePipeline pipeline(long seed) {
        return switch (this) {
            case IMAGENET_EVAL -> ImagePresets.imagenetEval();
            case IMAGENET_EVAL_ANTIALIAS -> ImagePresets.imagenetEval().withMode(ImageResize.Mode.BILINEAR_ANTIALIAS);
            case IMAGENET_TRAIN -> ImagePresets.imagenetTrain(seed);
        };
    }

    /** The exact parameters, for the manifest. */
    public Map<String, Object> parameters(long seed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", id);
        p.put("operations", description);
        ImagePipeline pipe = pipeline(seed);
        p.put("output", List.of(pipe.channels(), pipe.height(), pipe.width()));
        p.put("layout", "NCHW float32");
        if (this == IMAGENET_TRAIN) {
            p.put("crop", Map.of("kind", "random-resized-crop", "scale", List.of(0.08, 1.0), "ratio", List.of(3.0 / 4, 4.0 / 3), "attempts", 10));
            p.put("flip_probability", 0.5);
            p.put("seed", seed);
        } else {
            p.put("resize_shorter", 256);
            p.put("crop", Map.of("kind", "center", "width", pipe.width(), "height", pipe.height(), "offset", "round((size - 224) / 2), half to even"));
        }
        p.put("resize_mode", pipe.mode().name());
        p.put("divisor", 255.0);
        p.put("mean", floats(ImagePresets.imagenetMean()));
        p.put("std", floats(ImagePresets.imagenetStd()));
        p.put("pipeline", pipe.toString());
        return p;
    }

    private static List<Double> floats(float[] v) {
        Double[] d = new Double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = (double) v[i];
        return List.of(d);
    }

    /** The preset called {@code name}, or {@code null}. */
    public static ImagePreset byName(String name) {
        for (ImagePreset p : values()) {
            if (p.id.equals(name.toLowerCase(Locale.ROOT))) return p;
        }
        return null;
    }
}
