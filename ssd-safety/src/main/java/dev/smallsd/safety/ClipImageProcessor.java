package dev.smallsd.safety;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.ModelLoadException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The image preprocessing of Stable Diffusion's safety checker: transformers' {@code CLIPImageProcessor} (2022 name
 * {@code CLIPFeatureExtractor}) as configured by {@code feature_extractor/preprocessor_config.json}, reproducing its
 * float32 output exactly.
 *
 * <p>Per image, in this order (each step only when its {@code do_*} flag is set):
 * <ol>
 *   <li>convert to RGB (see {@link Rgb8Image});</li>
 *   <li>resize with Pillow's algorithm ({@link PilResize}, filter {@code resample}) to {@link #resizeTarget}: for
 *       {@code size} = shortest edge {@code s}, the short side becomes {@code s} and the long side
 *       {@code (int) (s * long / short)}; for {@code size = {height, width}} exactly that;</li>
 *   <li>centre-crop to {@code crop_size} with {@code top = floor((h - crop_h) / 2)},
 *       {@code left = floor((w - crop_w) / 2)}; parts of the crop outside the image are zero (black);</li>
 *   <li>rescale: {@code (float) (u8 * rescale_factor)}, the product in double precision;</li>
 *   <li>normalise: {@code (x - mean_c) / std_c} in float32 with the mean and std rounded to float32;</li>
 *   <li>lay out as CHW.</li>
 * </ol>
 * diffusers hands the checker PIL images made from its float output by {@code numpy_to_pil}
 * ({@code round(x * 255)}); {@link #preprocess(NDArray, NDManager)} does that rounding itself.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ClipImageProcessor {
    private static final int CHANNELS = 3;

    private final FeatureExtractorConfig config;
    private final PilFilter filter;
    private final float[] mean;
    private final float[] std;

    /**
     * A height and width in pixels.
     *
     * @param height rows
     * @param width columns
     */
    public record Size(int height, int width) {}

    /**
     * Creates a processor.
     *
     * @param config the parsed {@code preprocessor_config.json}
     * @throws IllegalArgumentException naming the key if {@code resample} is not a supported PIL filter or
     *     {@code image_mean}/{@code image_std} do not have one entry per RGB channel
     */
    public ClipImageProcessor(FeatureExtractorConfig config) {
        this.config = config;
        this.filter = config.doResize() ? PilFilter.fromPilId(config.resample()) : null;
        this.mean = perChannel(config.imageMean(), "image_mean");
        this.std = perChannel(config.imageStd(), "image_std");
    }

    private static float[] perChannel(List<Double> values, String key) {
        if (values.size() != CHANNELS) {
            throw new IllegalArgumentException(key + " must have " + CHANNELS + " entries (R, G, B), got " + values);
        }
        float[] out = new float[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    /**
     * Loads the processor of a model folder's feature extractor.
     *
     * @param path the {@code feature_extractor} folder or its {@code preprocessor_config.json}
     * @return the processor
     * @throws ModelLoadException naming the file when it is missing, malformed or asks for something unsupported
     */
    public static ClipImageProcessor load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FeatureExtractorConfig.FILE_NAME) : path;
        FeatureExtractorConfig config = FeatureExtractorConfig.read(file);
        try {
            return new ClipImageProcessor(config);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file, e.getMessage(), e);
        }
    }

    /** @return the configuration */
    public FeatureExtractorConfig config() {
        return config;
    }

    /**
     * The size an image of the given size is resized to (transformers' {@code get_resize_output_image_size} with
     * {@code default_to_square=False}), or the input size when {@code do_resize} is off.
     *
     * @param height input rows
     * @param width input columns
     * @return the resized size
     */
    public Size resizeTarget(int height, int width) {
        if (!config.doResize()) {
            return new Size(height, width);
        }
        FeatureExtractorConfig.ResizeSize size = config.size();
        if (!size.isShortestEdge()) {
            return new Size(size.height(), size.width());
        }
        int requested = size.shortestEdge();
        boolean portrait = width <= height;
        int shortSide = portrait ? width : height;
        int longSide = portrait ? height : width;
        // Python: int(requested * long / short), a true division in double precision, truncated.
        int newLong = (int) ((double) ((long) requested * longSide) / shortSide);
        return portrait ? new Size(newLong, requested) : new Size(requested, newLong);
    }

    /**
     * The size of the processed image for an input of the given size: the crop size when {@code do_center_crop} is
     * on, else {@link #resizeTarget}.
     *
     * @param height input rows
     * @param width input columns
     * @return the output size
     */
    public Size outputSize(int height, int width) {
        if (config.doCenterCrop()) {
            return new Size(config.cropSize().height(), config.cropSize().width());
        }
        return resizeTarget(height, width);
    }

    /**
     * The 8-bit stages: resize and centre crop (what the processor does before converting to float).
     *
     * @param image an RGB image
     * @return the resized, cropped image
     */
    public Rgb8Image resizeAndCrop(Rgb8Image image) {
        Rgb8Image resized = image;
        if (config.doResize()) {
            Size target = resizeTarget(image.height(), image.width());
            resized = PilResize.resize(image, target.height(), target.width(), filter);
        }
        return config.doCenterCrop() ? centerCrop(resized, config.cropSize().height(), config.cropSize().width())
                : resized;
    }

    /**
     * transformers' {@code center_crop}: crop rows {@code [top, top + cropHeight)} and columns
     * {@code [left, left + cropWidth)} with {@code top = floor((h - cropHeight) / 2)},
     * {@code left = floor((w - cropWidth) / 2)}; positions outside the image are zero.
     *
     * @param image the image
     * @param cropHeight rows of the crop
     * @param cropWidth columns of the crop
     * @return the crop ({@code image} itself when it already has that size)
     */
    public static Rgb8Image centerCrop(Rgb8Image image, int cropHeight, int cropWidth) {
        int h = image.height();
        int w = image.width();
        if (h == cropHeight && w == cropWidth) {
            return image;
        }
        int top = Math.floorDiv(h - cropHeight, 2);
        int left = Math.floorDiv(w - cropWidth, 2);
        byte[] src = image.pixels();
        byte[] out = new byte[cropHeight * cropWidth * CHANNELS];
        int x0 = Math.max(0, -left);
        int x1 = Math.min(cropWidth, w - left);
        for (int y = 0; y < cropHeight; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= h || x1 <= x0) {
                continue;
            }
            System.arraycopy(src, (sy * w + left + x0) * CHANNELS, out, (y * cropWidth + x0) * CHANNELS,
                    (x1 - x0) * CHANNELS);
        }
        return new Rgb8Image(cropHeight, cropWidth, out);
    }

    /**
     * The float stages: rescale and normalise an (already resized and cropped) image into CHW float32.
     *
     * @param image the 8-bit image
     * @return {@code 3 * height * width} floats, CHW
     */
    public float[] toPixelValues(Rgb8Image image) {
        int hw = image.height() * image.width();
        byte[] src = image.pixels();
        float[] out = new float[CHANNELS * hw];
        double factor = config.rescaleFactor();
        for (int c = 0; c < CHANNELS; c++) {
            float m = mean[c];
            float s = std[c];
            for (int p = 0; p < hw; p++) {
                int u = src[p * CHANNELS + c] & 0xFF;
                float x = config.doRescale() ? (float) (u * factor) : (float) u;
                if (config.doNormalize()) {
                    x = (x - m) / s;
                }
                out[c * hw + p] = x;
            }
        }
        return out;
    }

    /**
     * Preprocesses one RGB image.
     *
     * @param image the image
     * @return the pixel values, CHW float32 of {@link #outputSize}
     */
    public float[] preprocess(Rgb8Image image) {
        return toPixelValues(resizeAndCrop(image));
    }

    /**
     * Preprocesses one AWT image, converted to RGB as PIL's {@code convert("RGB")} does.
     *
     * @param image the image
     * @return the pixel values, CHW float32 of {@link #outputSize}
     */
    public float[] preprocess(BufferedImage image) {
        return preprocess(Rgb8Image.fromBufferedImage(image));
    }

    /**
     * Preprocesses a batch of RGB images into the checker's {@code clip_input}.
     *
     * @param images the images (at least one)
     * @param manager the manager that owns the result
     * @return [B, 3, H, W] float32
     * @throws IllegalArgumentException if the list is empty or the processed images differ in size (only possible
     *     without centre cropping)
     */
    public NDArray preprocess(List<Rgb8Image> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("images must not be empty");
        }
        float[] batch = null;
        Size first = null;
        for (int i = 0; i < images.size(); i++) {
            Rgb8Image processed = resizeAndCrop(images.get(i));
            Size size = new Size(processed.height(), processed.width());
            if (first == null) {
                first = size;
                batch = new float[images.size() * CHANNELS * size.height() * size.width()];
            } else if (!first.equals(size)) {
                throw new IllegalArgumentException("image " + i + " processes to " + size + " but image 0 to "
                        + first + "; a batch needs one size (enable do_center_crop)");
            }
            float[] one = toPixelValues(processed);
            System.arraycopy(one, 0, batch, i * one.length, one.length);
        }
        return manager.create(batch, new Shape(images.size(), CHANNELS, first.height(), first.width()));
    }

    /**
     * Preprocesses the pipeline's decoded images as diffusers does before the safety checker: quantise with
     * {@code numpy_to_pil} ({@code round(x * 255)}, half to even, float32 product), then this processor.
     *
     * @param imagesNhwcFloat01 [B, H, W, C] (or [H, W, C]) float images in [0, 1], C in {1, 3, 4}
     * @param manager the manager that owns the result
     * @return {@code clip_input} [B, 3, H', W'] float32
     * @throws IllegalArgumentException on a wrong shape or type, or a value outside [0, 1]
     */
    public NDArray preprocess(NDArray imagesNhwcFloat01, NDManager manager) {
        return preprocess(Rgb8Image.fromNhwcFloat01(imagesNhwcFloat01), manager);
    }

    /**
     * Preprocesses 8-bit images.
     *
     * @param imagesNhwcUint8 [B, H, W, C] (or [H, W, C]) UINT8, C in {1, 3, 4}
     * @param manager the manager that owns the result
     * @return {@code clip_input} [B, 3, H', W'] float32
     * @throws IllegalArgumentException on a wrong shape or type
     */
    public NDArray preprocessUint8(NDArray imagesNhwcUint8, NDManager manager) {
        return preprocess(Rgb8Image.fromNhwcUint8(imagesNhwcUint8), manager);
    }

    @Override
    public String toString() {
        return "ClipImageProcessor[" + config + "]";
    }
}
