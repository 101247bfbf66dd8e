package dev.smallsd;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The images of one request, in generation order (prompt by prompt, {@code imagesPerPrompt} each), with what is
 * needed to reproduce them.
 *
 * @param images the images (flagged ones are black when the safety mode is {@link SafetyMode#BLOCK})
 * @param seed the seed of the run's generator (all images of a request share one generator, as in diffusers)
 * @param nsfw one flag per image; empty when no safety checker ran
 * @param timings time per phase
 * @param parameters one A1111-style parameters text per image (prompt, negative prompt, steps, sampler, CFG scale,
 *     seed, size, model)
 * @param scheduler the diffusers class name of the scheduler the run used (e.g. {@code "PNDMScheduler"})
 * @param model the model name (the Hub id, or the folder name of a local model)
 */
public record GenerationResult(List<BufferedImage> images, long seed, List<Boolean> nsfw, Timings timings,
        List<String> parameters, String scheduler, String model) {

    /** Copies the lists so the result is immutable. */
    public GenerationResult {
        images = Collections.unmodifiableList(new ArrayList<>(images));
        nsfw = Collections.unmodifiableList(new ArrayList<>(nsfw));
        parameters = Collections.unmodifiableList(new ArrayList<>(parameters));
    }

    /** @return the first image */
    public BufferedImage image() {
        return images.get(0);
    }

    /** @return whether a safety checker looked at the images */
    public boolean safetyChecked() {
        return !nsfw.isEmpty();
    }

    /**
     * @param index image index
     * @return whether that image was flagged ({@code false} when no checker ran)
     */
    public boolean isNsfw(int index) {
        return !nsfw.isEmpty() && nsfw.get(index);
    }

    /**
     * Writes one image as PNG with its generation parameters in a {@code tEXt} chunk named {@code parameters}
     * (the format AUTOMATIC1111's web UI reads). The file appears atomically.
     *
     * @param index image index
     * @param file destination
     * @throws IOException when writing fails (no partial file is left)
     */
    public void savePng(int index, Path file) throws IOException {
        PngWriter.write(images.get(index), file, parameters.get(index));
    }

    /**
     * Encodes one image as PNG in memory: exactly the bytes {@link #savePng} writes to a file, {@code parameters}
     * chunk included (for sinks that are not local files, such as a Spark column or an object store).
     *
     * @param index image index
     * @return the PNG file's bytes
     * @throws IOException when encoding fails
     */
    public byte[] pngBytes(int index) throws IOException {
        return PngWriter.encode(images.get(index), parameters.get(index));
    }
}
