package dev.smallsd.safety;

import com.google.gson.JsonElement;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.config.ConfigJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The image preprocessing of the safety checker ({@code feature_extractor/preprocessor_config.json}, a transformers
 * {@code CLIPImageProcessor}, formerly {@code CLIPFeatureExtractor}), with CLIPImageProcessor defaults for absent
 * keys.
 *
 * @param doResize {@code do_resize} (default true)
 * @param size {@code size} (default shortest edge 224); a plain integer (2022 form) means the shortest edge
 * @param resample {@code resample}, a PIL filter id (default 3 = bicubic)
 * @param doCenterCrop {@code do_center_crop} (default true)
 * @param cropSize {@code crop_size} (default 224x224); a plain integer means a square
 * @param doRescale {@code do_rescale} (default true)
 * @param rescaleFactor {@code rescale_factor} (default 1/255)
 * @param doNormalize {@code do_normalize} (default true)
 * @param imageMean {@code image_mean} per channel (default OpenAI CLIP mean)
 * @param imageStd {@code image_std} per channel (default OpenAI CLIP std)
 * @param doConvertRgb {@code do_convert_rgb} (default true)
 */
public record FeatureExtractorConfig(
        boolean doResize,
        ResizeSize size,
        int resample,
        boolean doCenterCrop,
        CropSize cropSize,
        boolean doRescale,
        double rescaleFactor,
        boolean doNormalize,
        List<Double> imageMean,
        List<Double> imageStd,
        boolean doConvertRgb) {

    /** The file name inside the component folder. */
    public static final String FILE_NAME = "preprocessor_config.json";
    /** PIL's bicubic filter id. */
    public static final int BICUBIC = 3;
    /** OpenAI CLIP's per-channel mean. */
    public static final List<Double> OPENAI_CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
    /** OpenAI CLIP's per-channel standard deviation. */
    public static final List<Double> OPENAI_CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);

    /**
     * The resize target: either the shortest edge (aspect ratio kept) or an exact height and width.
     *
     * @param shortestEdge the shortest edge, or {@code null} for an exact size
     * @param height the exact height, or {@code null}
     * @param width the exact width, or {@code null}
     */
    public record ResizeSize(Integer shortestEdge, Integer height, Integer width) {
        /** @return whether the image is resized so that its shortest edge has {@link #shortestEdge()} pixels */
        public boolean isShortestEdge() {
            return shortestEdge != null;
        }
    }

    /**
     * The center crop size.
     *
     * @param height the crop height
     * @param width the crop width
     */
    public record CropSize(int height, int width) {}

    /** Copies the lists. */
    public FeatureExtractorConfig {
        imageMean = List.copyOf(imageMean);
        imageStd = List.copyOf(imageStd);
    }

    /**
     * @param dir a model folder (or the built-in architecture)
     * @return its {@code feature_extractor/preprocessor_config.json}, or empty when {@code model_index.json} declares
     *     no feature extractor
     * @throws ModelLoadException when declared but its config is missing or malformed
     */
    public static Optional<FeatureExtractorConfig> of(ModelDirectory dir) {
        return dir.optionalConfig(ModelDirectory.FEATURE_EXTRACTOR, FILE_NAME, FeatureExtractorConfig::parse);
    }

    /**
     * Reads {@code preprocessor_config.json}.
     *
     * @param file the file
     * @return the config
     * @throws ModelLoadException when the file is missing or malformed
     */
    public static FeatureExtractorConfig read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * Parses and validates the config.
     *
     * @param j the parsed file
     * @return the config
     * @throws ModelLoadException naming the file and key on a wrong type
     */
    public static FeatureExtractorConfig parse(ConfigJson j) {
        ResizeSize size = new ResizeSize(224, null, null);
        JsonElement s = j.get("size");
        if (s != null) {
            if (s.isJsonObject()) {
                ConfigJson o = j.objectOrNull("size");
                if (o.has("shortest_edge")) {
                    size = new ResizeSize(o.positive("shortest_edge", o.requiredInt("shortest_edge")),
                            null, null);
                } else if (o.has("height") || o.has("width")) {
                    size = new ResizeSize(null, o.positive("height", o.requiredInt("height")),
                            o.positive("width", o.requiredInt("width")));
                } else {
                    throw j.error("size", "expected {\"shortest_edge\": n} or {\"height\": h, \"width\": w}, found " + s);
                }
            } else {
                size = new ResizeSize(j.positive("size", j.intOr("size", 224)), null, null);
            }
        }
        CropSize crop = new CropSize(224, 224);
        JsonElement c = j.get("crop_size");
        if (c != null) {
            if (c.isJsonObject()) {
                ConfigJson o = j.objectOrNull("crop_size");
                crop = new CropSize(o.positive("height", o.requiredInt("height")),
                        o.positive("width", o.requiredInt("width")));
            } else {
                int n = j.positive("crop_size", j.intOr("crop_size", 224));
                crop = new CropSize(n, n);
            }
        }
        List<Double> mean = j.doubleOrDoubleListOr("image_mean", 3, OPENAI_CLIP_MEAN);
        List<Double> std = j.doubleOrDoubleListOr("image_std", 3, OPENAI_CLIP_STD);
        if (mean.size() != std.size()) {
            throw j.error("image_std", "has " + std.size() + " entries but image_mean has " + mean.size());
        }
        for (double d : std) {
            if (!(d > 0)) {
                throw j.error("image_std", "entries must be positive, found " + d);
            }
        }
        return new FeatureExtractorConfig(
                j.boolOr("do_resize", true),
                size,
                j.intOr("resample", BICUBIC),
                j.boolOr("do_center_crop", true),
                crop,
                j.boolOr("do_rescale", true),
                j.doubleOr("rescale_factor", 1.0 / 255.0),
                j.boolOr("do_normalize", true),
                mean, std,
                j.boolOr("do_convert_rgb", true));
    }
}
