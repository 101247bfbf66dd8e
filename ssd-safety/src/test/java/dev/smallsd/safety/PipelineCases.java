package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.GoldenPipelineCase;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Runs the golden manifest's pipeline cases (those with a {@code call}) through a {@link SmallStableDiffusion}
 * pipeline exactly as core's pipeline golden test does: the case's request, its initial latents or init image, its
 * stored noise draws and the exact scheduler config it used.
 */
final class PipelineCases {
    private PipelineCases() {}

    /** @return the names of the manifest cases with a {@code call}, in manifest order (at least one) */
    static List<String> names() {
        List<String> names = GoldenPipelineCase.names();
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
        GoldenPipelineCase gc = GoldenPipelineCase.load(name, manager);
        DecodedImages decoded = new DecodedImages(manager);
        GoldenPipelineCase.StoredNoise noise = gc.noise();
        GenerationResult r = InternalAccess.engine(sd).run(gc.request(), gc.scheduler(),
                new PipelineHooks(noise, decoded),
                () -> false);
        return new Run(r, decoded.images(), noise.used(), gc.draws().size());
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
}
