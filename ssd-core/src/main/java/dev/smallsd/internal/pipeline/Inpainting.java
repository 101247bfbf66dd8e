package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.schedulers.NoiseSource;
import dev.smallsd.schedulers.SchedulerRun;
import dev.smallsd.internal.vae.Autoencoder;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inputs of diffusers' {@code StableDiffusionInpaintPipeline} for one run, made in its order of random draws
 * ({@code prepare_latents}, then {@code prepare_mask_latents}), and the two places where inpainting changes the
 * denoising loop: {@link #unetInput} (a 9-channel inpainting UNet sees {@code cat([x, mask, masked_image_latents])})
 * and {@link #blend} (with a 4-channel UNet the known region is put back after every step, re-noised to the next
 * timestep).
 *
 * <p>Mask handling as diffusers' mask processor: grey, resized to the image size, binarised at 0.5 (white = repaint),
 * nearest down-sampling to the latent grid.
 */
final class Inpainting {
    private static final Logger LOG = LoggerFactory.getLogger(Inpainting.class);

    private final boolean nineChannels;
    private final NDArray latents;
    private final NDArray mask;
    private final NDArray unetMask;
    private final NDArray unetMaskedImageLatents;
    private final NDArray imageLatents;
    private final NDArray noise;

    private Inpainting(boolean nineChannels, NDArray latents, NDArray mask, NDArray unetMask,
            NDArray unetMaskedImageLatents, NDArray imageLatents, NDArray noise) {
        this.nineChannels = nineChannels;
        this.latents = latents;
        this.mask = mask;
        this.unetMask = unetMask;
        this.unetMaskedImageLatents = unetMaskedImageLatents;
        this.imageLatents = imageLatents;
        this.noise = noise;
    }

    /**
     * {@code prepare_latents} and {@code prepare_mask_latents}.
     *
     * @param initImage the image to repaint
     * @param maskImage the mask (white = repaint)
     * @param strength the strength ({@code 1.0}: the latents start from pure noise)
     * @param vae the autoencoder
     * @param unetInChannels the UNet's {@code in_channels}: the latent channels (blend) or latents + 1 + latents
     * @param width image width
     * @param height image height
     * @param batch images in the run
     * @param cfg whether classifier-free guidance doubles the UNet batch
     * @param timesteps the run's timesteps (already cut by the strength)
     * @param run the scheduler run
     * @param generator the run's generator
     * @param rm the run's manager
     * @return the inputs
     */
    static Inpainting prepare(BufferedImage initImage, BufferedImage maskImage, double strength, Autoencoder vae,
            int unetInChannels, int width, int height, int batch, boolean cfg, double[] timesteps, SchedulerRun run,
            NoiseSource generator, NDManager rm) {
        int c = vae.latentChannels();
        int f = vae.spatialFactor();
        boolean nine = unetInChannels != c;
        if (nine && unetInChannels != 2 * c + 1) {
            throw new IllegalArgumentException("maskImage: the UNet has " + unetInChannels + " input channels; "
                    + "inpainting needs " + c + " (blend) or " + (2 * c + 1) + " (an inpainting UNet)");
        }
        boolean strengthMax = strength == 1.0;
        NDArray image = Images.toTensor(initImage, width, height, rm);
        float scaling = (float) vae.scalingFactor();
        Shape shape = new Shape(batch, c, height / f, width / f);

        // prepare_latents: the init image is encoded (one posterior draw) when the blend needs it or strength < 1,
        // then the noise is drawn
        NDArray imageLatents = null;
        if (!nine || !strengthMax) {
            imageLatents = repeat(vae.encodeLatents(image, generator, rm).mul(scaling), batch);
        }
        NDArray noise = generator.next(shape, rm);
        NDArray latents;
        if (strengthMax) {
            latents = noise.mul((float) run.initNoiseSigma());
        } else {
            double[] tStart = new double[batch];
            Arrays.fill(tStart, timesteps[0]);
            latents = run.addNoise(imageLatents, noise, tStart);
        }

        // prepare_mask_latents: the masked image (repaint region zeroed) is encoded (one more posterior draw)
        float[] full = binarisedMask(maskImage, width, height);
        NDArray maskFull = rm.create(full, new Shape(1, 1, height, width));
        NDArray keep = maskFull.lt(0.5f).toType(image.getDataType(), false);
        NDArray masked = image.mul(keep);
        NDArray maskedLatents = repeat(vae.encodeLatents(masked, generator, rm).mul(scaling), batch);
        NDArray mask = repeat(rm.create(nearest(full, width, height, width / f, height / f),
                new Shape(1, 1, height / f, width / f)), batch);
        NDArray unetMask = cfg ? NDArrays.concat(new NDList(mask, mask)) : mask;
        NDArray unetMasked = cfg ? NDArrays.concat(new NDList(maskedLatents, maskedLatents)) : maskedLatents;
        return new Inpainting(nine, latents, mask, unetMask, unetMasked, imageLatents, noise);
    }

    /** @return the initial latents */
    NDArray latents() {
        return latents;
    }

    /**
     * @param scaledModelInput the scheduler-scaled UNet input {@code [B(·2), c, h, w]}
     * @return the UNet's input: unchanged for a 4-channel UNet, {@code cat([x, mask, masked_image_latents], 1)} for
     *     an inpainting UNet
     */
    NDArray unetInput(NDArray scaledModelInput) {
        if (!nineChannels) {
            return scaledModelInput;
        }
        return NDArrays.concat(new NDList(scaledModelInput, unetMask, unetMaskedImageLatents), 1);
    }

    /**
     * After step {@code i}: with a 4-channel UNet, {@code (1 − mask)·init_latents + mask·latents} where the init
     * latents are re-noised with the run's initial noise to the next timestep (not after the last step).
     *
     * @param stepped the scheduler's output of step {@code i}
     * @param i the step index
     * @param timesteps the run's timesteps
     * @param run the scheduler run
     * @return the latents to continue with
     */
    NDArray blend(NDArray stepped, int i, double[] timesteps, SchedulerRun run) {
        if (nineChannels) {
            return stepped;
        }
        NDArray known = imageLatents;
        if (i < timesteps.length - 1) {
            double[] t = new double[(int) imageLatents.getShape().get(0)];
            Arrays.fill(t, timesteps[i + 1]);
            known = run.addNoise(imageLatents, noise, t);
        }
        return known.mul(mask.neg().addi(1f)).addi(stepped.mul(mask));
    }

    private static NDArray repeat(NDArray x, int batch) {
        long n = x.getShape().get(0);
        if (batch % n != 0) {
            throw new IllegalArgumentException("initImage: cannot spread " + n + " images over " + batch + " outputs");
        }
        return batch == n ? x : x.repeat(0, batch / n);
    }

    /**
     * diffusers' mask processor ({@code do_convert_grayscale}, resize, {@code do_binarize}): grey levels / 255, then
     * 0 below 0.5 and 1 from 0.5.
     *
     * @param maskImage the mask
     * @param width target width
     * @param height target height
     * @return {@code [height·width]} of 0/1
     */
    static float[] binarisedMask(BufferedImage maskImage, int width, int height) {
        BufferedImage src = maskImage;
        if (src.getWidth() != width || src.getHeight() != height) {
            LOG.warn("mask image {}x{} resized to {}x{} (bicubic; diffusers uses Lanczos)", src.getWidth(),
                    src.getHeight(), width, height);
            src = Images.resized(src, width, height);
        }
        float[] out = new float[width * height];
        boolean grey = src.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int level;
                if (grey) {
                    level = src.getRaster().getSample(x, y, 0);
                } else {
                    int rgb = src.getRGB(x, y);
                    // PIL's convert("L"): L = R·299/1000 + G·587/1000 + B·114/1000, rounded
                    level = (((rgb >> 16) & 0xFF) * 19595 + ((rgb >> 8) & 0xFF) * 38470 + (rgb & 0xFF) * 7471
                            + 0x8000) >> 16;
                }
                out[y * width + x] = level / 255f < 0.5f ? 0f : 1f;
            }
        }
        return out;
    }

    /** {@code torch.nn.functional.interpolate(mode="nearest")}: source index {@code floor(dst · in / out)}. */
    static float[] nearest(float[] full, int width, int height, int outWidth, int outHeight) {
        float[] out = new float[outWidth * outHeight];
        float sy = (float) height / outHeight;
        float sx = (float) width / outWidth;
        for (int y = 0; y < outHeight; y++) {
            int iy = Math.min((int) Math.floor(y * sy), height - 1);
            for (int x = 0; x < outWidth; x++) {
                int ix = Math.min((int) Math.floor(x * sx), width - 1);
                out[y * outWidth + x] = full[iy * width + ix];
            }
        }
        return out;
    }
}
