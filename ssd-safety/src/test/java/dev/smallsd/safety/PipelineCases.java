package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.io.SafeTensorsFile;
import dev.smallsd.pipeline.PipelineHooks;
import dev.smallsd.schedulers.NoiseSource;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.Schedulers;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the golden manifest's pipeline cases (those with a {@code call}) through a {@link SmallStableDiffusion}
 * pipeline exactly as core's pipeline golden test does: the case's request, its initial latents or init image, its
 * stored noise draws and the exact scheduler config it used.
 */
final class PipelineCases {
    private PipelineCases() {}

    /** @return the names of the manifest cases with a {@code call}, in manifest order (at least one) */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : Golden.manifest().getAsJsonObject("cases").entrySet()) {
            if (e.getValue().getAsJsonObject().has("call")) {
                names.add(e.getKey());
            }
        }
        assertThat(names).as("pipeline cases (with a call) in the manifest").isNotEmpty();
        return names;
    }

    /**
     * What one run gave.
     *
     * @param result the pipeline's result
     * @param decoded the decoded float images before the safety checker, {@code [B, H, W, 3]} (test manager)
     * @param drawsUsed noise draws the run took
     * @param drawsStored noise draws the case stores
     */
    record Run(GenerationResult result, NDArray decoded, int drawsUsed, int drawsStored) {}

    /**
     * Runs one case.
     *
     * @param sd the instance
     * @param name the case
     * @param manager owner of the recorded arrays
     * @return the run
     */
    static Run run(SmallStableDiffusion sd, String name, NDManager manager) {
        JsonObject c = Golden.caseEntry(name);
        JsonObject call = c.getAsJsonObject("call");
        try (SafeTensorsFile f = Golden.open(name)) {
            GenerationRequest.Builder b = GenerationRequest.builder()
                    .prompts(strings(call.get("prompt")))
                    .steps(call.get("steps").getAsInt())
                    .guidanceScale(call.get("guidance").getAsDouble())
                    .size(call.get("w").getAsInt(), call.get("h").getAsInt());
            if (call.has("negative") && !call.get("negative").isJsonNull()) {
                b.negativePrompts(strings(call.get("negative")));
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
            DecodedImages decoded = new DecodedImages(manager);
            StoredNoise noise = new StoredNoise(draws, shapes);
            GenerationResult r = sd.pipeline().run(b.build(), scheduler, new PipelineHooks(noise, decoded),
                    () -> false);
            return new Run(r, decoded.images(), noise.used(), draws.size());
        }
    }

    /** Keeps a copy of the decoded images, the only value these tests need from a run. */
    static final class DecodedImages implements PipelineHooks.Observer {
        private final NDManager manager;
        private NDArray images;

        DecodedImages(NDManager manager) {
            this.manager = manager;
        }

        @Override
        public void onDecoded(NDArray imagesNhwc) {
            images = manager.create(imagesNhwc.toFloatArray(), imagesNhwc.getShape());
            // called inside the run's scope: keep the copy alive after the run
            NDScope.unregister(images);
        }

        NDArray images() {
            assertThat(images).as("the pipeline reported its decoded images").isNotNull();
            return images;
        }
    }

    /** Feeds stored noise draws in order, checking each requested shape. */
    static final class StoredNoise implements NoiseSource {
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

        int used() {
            return next;
        }
    }

    /**
     * @param hwcUint8 {@code [H, W, 3]} uint8
     * @return the RGB image
     */
    static BufferedImage toImage(NDArray hwcUint8) {
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

    /**
     * @param image an RGB image
     * @return its samples HWC as values in [0, 1] ({@code u8 / 255} in double)
     */
    static double[] toDouble01(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        double[] out = new double[w * h * 3];
        for (int p = 0; p < rgb.length; p++) {
            out[p * 3] = ((rgb[p] >> 16) & 0xFF) / 255.0;
            out[p * 3 + 1] = ((rgb[p] >> 8) & 0xFF) / 255.0;
            out[p * 3 + 2] = (rgb[p] & 0xFF) / 255.0;
        }
        return out;
    }

    /**
     * Checks 8-bit images against float reference images: {@code |u8 / 255 - f| <= atol + 0.5 / 255} per value
     * (the float tolerance plus the quantisation of {@code numpy_to_pil}; {@code 1e-7} more covers the float32
     * rounding of its product {@code f * 255}).
     *
     * @param what label
     * @param images the 8-bit images
     * @param expected {@code [B, H, W, 3]} float reference
     * @param atol the float tolerance
     * @return the largest difference found
     */
    static double assertQuantisedClose(String what, List<BufferedImage> images, NDArray expected, double atol) {
        float[] e = expected.toFloatArray();
        int per = e.length / images.size();
        double worst = 0;
        for (int i = 0; i < images.size(); i++) {
            double[] a = toDouble01(images.get(i));
            assertThat(a.length).as(what + " image " + i + " size").isEqualTo(per);
            for (int j = 0; j < per; j++) {
                worst = Math.max(worst, Math.abs(a[j] - e[i * per + j]));
            }
        }
        assertThat(worst).as(what + ": max |u8/255 - golden| within atol %s + 0.5/255", atol)
                .isLessThanOrEqualTo(atol + 0.5 / 255 + 1e-7);
        return worst;
    }

    /** @return whether every pixel of the image is black */
    static boolean isBlack(BufferedImage image) {
        int[] rgb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        for (int v : rgb) {
            if ((v & 0xFFFFFF) != 0) {
                return false;
            }
        }
        return true;
    }

    private static List<String> strings(JsonElement e) {
        List<String> out = new ArrayList<>();
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> out.add(x.getAsString()));
        } else {
            out.add(e.getAsString());
        }
        return out;
    }
}
