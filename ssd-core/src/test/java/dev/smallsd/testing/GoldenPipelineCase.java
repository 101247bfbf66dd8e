package dev.smallsd.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.schedulers.NoiseSource;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.Schedulers;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pipeline case of the golden manifest (one with a {@code call}) turned into what the pipeline needs to replay it:
 * the request (prompts, sizes, given latents or init image), the exact scheduler config, and the stored noise draws.
 *
 * @param name the case name
 * @param entry its manifest entry
 * @param request the request
 * @param scheduler the scheduler built from {@code scheduler_class} + {@code scheduler_config_used}
 * @param draws the stored {@code noise_draws}, in order
 * @param drawShapes their shapes
 */
public record GoldenPipelineCase(String name, JsonObject entry, GenerationRequest request, Scheduler scheduler,
        List<float[]> draws, List<Shape> drawShapes) {

    /** @return the names of every manifest case with a {@code call}, in manifest order */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : Golden.manifest().getAsJsonObject("cases").entrySet()) {
            if (e.getValue().getAsJsonObject().has("call")) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /**
     * @param name a pipeline case
     * @param manager scratch manager for reading the case file
     * @return the case
     */
    public static GoldenPipelineCase load(String name, NDManager manager) {
        JsonObject c = Golden.caseEntry(name);
        JsonObject call = c.getAsJsonObject("call");
        try (SafeTensorsFile f = Golden.open(name)) {
            GenerationRequest.Builder b = GenerationRequest.builder()
                    .prompts(Golden.strings(call.get("prompt")))
                    .steps(call.get("steps").getAsInt())
                    .guidanceScale(call.get("guidance").getAsDouble())
                    .size(call.get("w").getAsInt(), call.get("h").getAsInt());
            if (call.has("negative") && !call.get("negative").isJsonNull()) {
                b.negativePrompts(Golden.strings(call.get("negative")));
            }
            if (call.has("images_per_prompt")) {
                b.imagesPerPrompt(call.get("images_per_prompt").getAsInt());
            }
            if (call.has("strength")) {
                b.strength(call.get("strength").getAsDouble());
                b.initImage(toImage(f.load("init_image_uint8", manager)));
            } else {
                b.latents(f.load("initial_latents", manager).toFloatArray());
            }
            List<float[]> draws = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            if (f.names().contains("noise_draws")) {
                NDArray d = f.load("noise_draws", manager);
                for (int i = 0; i < d.getShape().get(0); i++) {
                    NDArray di = d.get(i);
                    draws.add(di.toFloatArray());
                    shapes.add(di.getShape());
                }
            }
            Scheduler scheduler = Schedulers.fromConfig(Golden.toMap(c.getAsJsonObject("scheduler_config_used")),
                    c.get("scheduler_class").getAsString(), Map.of());
            return new GoldenPipelineCase(name, c, b.build(), scheduler, draws, shapes);
        }
    }

    /** @return a fresh noise source that hands out the stored draws in order, checking each shape */
    public StoredNoise noise() {
        return new StoredNoise(draws, drawShapes);
    }

    /** Feeds stored noise draws in order; fails when the pipeline asks for a different shape or too many. */
    public static final class StoredNoise implements NoiseSource {
        private final List<float[]> draws;
        private final List<Shape> shapes;
        private int next;

        StoredNoise(List<float[]> draws, List<Shape> shapes) {
            this.draws = draws;
            this.shapes = shapes;
        }

        @Override
        public NDArray next(Shape shape, NDManager manager) {
            if (next >= draws.size()) {
                throw new AssertionError("pipeline drew noise #" + next + " " + shape + " but the case stores only "
                        + draws.size() + " draws");
            }
            if (!shapes.get(next).equals(shape)) {
                throw new AssertionError("noise draw #" + next + ": pipeline asked for " + shape
                        + ", the case stored " + shapes.get(next));
            }
            return manager.create(draws.get(next++), shape);
        }

        /** @return how many draws were taken */
        public int used() {
            return next;
        }
    }

    /**
     * @param hwcUint8 a {@code [H, W, 3]} uint8 image tensor
     * @return it as an RGB image
     */
    public static BufferedImage toImage(NDArray hwcUint8) {
        Shape s = hwcUint8.getShape();
        int h = (int) s.get(0);
        int w = (int) s.get(1);
        byte[] px = hwcUint8.toType(DataType.UINT8, false).toByteArray();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                img.setRGB(x, y, ((px[o] & 0xFF) << 16) | ((px[o + 1] & 0xFF) << 8) | (px[o + 2] & 0xFF));
            }
        }
        return img;
    }
}
