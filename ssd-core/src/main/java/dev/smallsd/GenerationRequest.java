package dev.smallsd;

import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.internal.text.PromptAttention;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * One text-to-image or image-to-image request. Build it with {@link #builder()}; every field has diffusers'
 * default. Validation is one set of rules on every path: {@link #validate()} checks what needs no model,
 * {@link SmallStableDiffusion#validate} adds what depends on the model (steps against the scheduler's training
 * timesteps, size against the autoencoder, registered LoRAs), and {@code generate}, {@code generateAsync} and the CLI
 * all run it before any work, so a bad request fails at once with an {@link IllegalArgumentException} whose message
 * starts with the parameter name.
 *
 * @param prompts one prompt per batch item (at least one)
 * @param negativePrompts empty, or one negative prompt per prompt
 * @param width image width in pixels, or {@code null} for the model default ({@code sample_size × 8})
 * @param height image height in pixels, or {@code null} for the model default
 * @param steps number of denoising steps
 * @param guidanceScale classifier-free guidance scale; at {@code <= 1} no unconditional pass is made
 * @param imagesPerPrompt images generated for each prompt
 * @param seed seed of the run's {@code torch.Generator("cpu")}-identical generator, or {@code null} for a random one
 * @param latents explicit initial latents {@code [B·imagesPerPrompt, 4, h/8, w/8]} flattened, or {@code null}
 * @param eta DDIM's eta (stochasticity), ignored by other schedulers
 * @param clipSkip number of final CLIP layers to skip (0 = none)
 * @param initImage the image to start from (image-to-image), or {@code null} (text-to-image)
 * @param strength image-to-image / inpainting strength in {@code (0, 1]} (defaults 0.8 / 1.0, as diffusers); the
 *     range is checked on every request, the value is used only with an {@code initImage}
 * @param scheduler a scheduler for this request only, or {@code null} for the instance's scheduler
 * @param listener progress callback, or {@code null}
 * @param promptSyntax how prompts are read ({@code null} means {@link PromptSyntax#PLAIN})
 * @param maskImage the inpainting mask (white = repaint, binarised at 0.5; same size as {@code initImage}), or
 *     {@code null}
 * @param loras LoRAs registered on the instance to apply to this request only (unfused), in order
 */
public record GenerationRequest(
        List<String> prompts,
        List<String> negativePrompts,
        Integer width,
        Integer height,
        int steps,
        double guidanceScale,
        int imagesPerPrompt,
        Long seed,
        float[] latents,
        double eta,
        int clipSkip,
        BufferedImage initImage,
        double strength,
        SchedulerType scheduler,
        StepListener listener,
        PromptSyntax promptSyntax,
        BufferedImage maskImage,
        List<LoraUse> loras) {

    /** diffusers' default number of steps. */
    public static final int DEFAULT_STEPS = 50;
    /** diffusers' default guidance scale. */
    public static final double DEFAULT_GUIDANCE = 7.5;
    /** diffusers' default image-to-image strength. */
    public static final double DEFAULT_STRENGTH = 0.8;
    /** diffusers' default inpainting strength (the masked region starts from pure noise). */
    public static final double DEFAULT_INPAINT_STRENGTH = 1.0;

    /** Copies the lists so the request is immutable. */
    public GenerationRequest {
        prompts = prompts == null ? null : Collections.unmodifiableList(new ArrayList<>(prompts));
        negativePrompts = negativePrompts == null ? List.of()
                : Collections.unmodifiableList(new ArrayList<>(negativePrompts));
        promptSyntax = promptSyntax == null ? PromptSyntax.PLAIN : promptSyntax;
        loras = loras == null ? List.of() : List.copyOf(loras);
    }

    /** @return a builder with diffusers' defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder seeded with a single prompt.
     *
     * @param prompt the prompt
     * @return the builder
     */
    public static Builder builder(String prompt) {
        return new Builder().prompt(prompt);
    }

    /** @return a builder holding this request's values */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.prompts = prompts == null ? null : new ArrayList<>(prompts);
        b.negativePrompts = new ArrayList<>(negativePrompts);
        b.width = width;
        b.height = height;
        b.steps = steps;
        b.guidanceScale = guidanceScale;
        b.imagesPerPrompt = imagesPerPrompt;
        b.seed = seed;
        b.latents = latents;
        b.eta = eta;
        b.clipSkip = clipSkip;
        b.initImage = initImage;
        b.strength = strength;
        b.scheduler = scheduler;
        b.listener = listener;
        b.promptSyntax = promptSyntax;
        b.maskImage = maskImage;
        b.loras = new ArrayList<>(loras);
        return b;
    }

    /** @return whether this is an image-to-image request */
    public boolean isImageToImage() {
        return initImage != null;
    }

    /** @return whether this is an inpainting request (init image + mask) */
    public boolean isInpainting() {
        return maskImage != null;
    }

    /** @return whether classifier-free guidance is on (diffusers: {@code guidance_scale > 1}) */
    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1.0;
    }

    /** @return number of images the request produces */
    public int batchSize() {
        return prompts.size() * imagesPerPrompt;
    }

    /**
     * Checks every parameter against the model-independent rules and the scheduler's training timesteps.
     *
     * @param maxSteps the scheduler's number of training timesteps (upper bound for {@code steps})
     * @throws IllegalArgumentException naming the first bad parameter and why
     */
    public void validate(int maxSteps) {
        validate();
        if (steps > maxSteps) {
            throw new IllegalArgumentException("steps: " + steps + " is outside 1.." + maxSteps
                    + " (the scheduler's training timesteps)");
        }
    }

    /**
     * Checks every parameter against the rules that need no model (the upper bound of {@code steps} and the size
     * against the autoencoder are checked by {@link SmallStableDiffusion#validate}).
     *
     * @throws IllegalArgumentException naming the first bad parameter and why (the message starts with its name)
     */
    public void validate() {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("prompt: at least one prompt is required");
        }
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i) == null) {
                throw new IllegalArgumentException("prompt: prompt " + i + " is null");
            }
        }
        if (!negativePrompts.isEmpty() && negativePrompts.size() != prompts.size()) {
            throw new IllegalArgumentException("negativePrompt: " + negativePrompts.size()
                    + " negative prompts for " + prompts.size() + " prompts (give none or one per prompt)");
        }
        for (int i = 0; i < negativePrompts.size(); i++) {
            if (negativePrompts.get(i) == null) {
                throw new IllegalArgumentException("negativePrompt: negative prompt " + i + " is null");
            }
        }
        if (promptSyntax == PromptSyntax.A1111) {
            prompts.forEach(PromptAttention::parse);
            negativePrompts.forEach(PromptAttention::parse);
        }
        checkSize("width", width);
        checkSize("height", height);
        if (steps < 1) {
            throw new IllegalArgumentException("steps: " + steps + " must be >= 1");
        }
        if (Double.isNaN(guidanceScale) || Double.isInfinite(guidanceScale) || guidanceScale < 0) {
            throw new IllegalArgumentException("guidanceScale: " + guidanceScale + " must be a finite number >= 0");
        }
        if (imagesPerPrompt <= 0) {
            throw new IllegalArgumentException("imagesPerPrompt: " + imagesPerPrompt + " must be >= 1");
        }
        if (Double.isNaN(eta) || eta < 0) {
            throw new IllegalArgumentException("eta: " + eta + " must be >= 0");
        }
        if (clipSkip < 0) {
            throw new IllegalArgumentException("clipSkip: " + clipSkip + " must be >= 0");
        }
        if (maskImage != null) {
            if (initImage == null) {
                throw new IllegalArgumentException("maskImage: a mask needs an initImage to repaint");
            }
            if (maskImage.getWidth() != initImage.getWidth() || maskImage.getHeight() != initImage.getHeight()) {
                throw new IllegalArgumentException("maskImage: " + maskImage.getWidth() + "x" + maskImage.getHeight()
                        + " differs from the initImage's " + initImage.getWidth() + "x" + initImage.getHeight());
            }
        }
        for (LoraUse l : loras) {
            if (l == null || l.name() == null || !Double.isFinite(l.scale())) {
                throw new IllegalArgumentException("lora: " + l + " needs a name and a finite scale");
            }
        }
        if (!(strength > 0 && strength <= 1)) { // checked without an init image too: a wrong value is a mistake
            throw new IllegalArgumentException("strength: " + strength + " must be in (0, 1]");
        }
        if (initImage != null) {
            if ((int) (steps * strength) < 1) { // diffusers' get_timesteps: int(steps * strength) steps are run
                throw new IllegalArgumentException("strength: " + strength + " of " + steps
                        + " steps leaves no denoising step (steps × strength must be >= 1)");
            }
            if (latents != null) {
                throw new IllegalArgumentException("latents: explicit latents cannot be combined with an init image");
            }
            if (initImage.getWidth() < 8 || initImage.getHeight() < 8) {
                throw new IllegalArgumentException("initImage: " + initImage.getWidth() + "x"
                        + initImage.getHeight() + " is smaller than 8x8");
            }
        }
    }

    private static void checkSize(String name, Integer v) {
        if (v != null && (v <= 0 || v % 8 != 0)) {
            throw new IllegalArgumentException(name + ": " + v + " must be a positive multiple of 8");
        }
    }

    @Override
    public String toString() {
        return "GenerationRequest[prompts=" + prompts + ", negativePrompts=" + negativePrompts + ", size="
                + width + "x" + height + ", steps=" + steps + ", guidanceScale=" + guidanceScale
                + ", imagesPerPrompt=" + imagesPerPrompt + ", seed=" + seed + ", img2img=" + isImageToImage()
                + (isImageToImage() ? ", strength=" + strength : "") + (isInpainting() ? ", inpaint" : "")
                + (loras.isEmpty() ? "" : ", loras=" + loras) + ", scheduler=" + scheduler
                + ", promptSyntax=" + promptSyntax + "]";
    }

    /** Builder of {@link GenerationRequest}; starts from diffusers' defaults. */
    public static final class Builder {
        private List<String> prompts;
        private List<String> negativePrompts = new ArrayList<>();
        private Integer width;
        private Integer height;
        private int steps = DEFAULT_STEPS;
        private double guidanceScale = DEFAULT_GUIDANCE;
        private int imagesPerPrompt = 1;
        private Long seed;
        private float[] latents;
        private double eta;
        private int clipSkip;
        private BufferedImage initImage;
        private Double strength;
        private SchedulerType scheduler;
        private StepListener listener;
        private PromptSyntax promptSyntax = PromptSyntax.PLAIN;
        private BufferedImage maskImage;
        private List<LoraUse> loras = new ArrayList<>();

        private Builder() {}

        /**
         * @param prompt the single prompt
         * @return this
         */
        public Builder prompt(String prompt) {
            List<String> l = new ArrayList<>();
            l.add(prompt);
            this.prompts = l;
            return this;
        }

        /**
         * @param prompts one prompt per batch item
         * @return this
         */
        public Builder prompts(List<String> prompts) {
            this.prompts = prompts == null ? null : new ArrayList<>(prompts);
            return this;
        }

        /**
         * @param negativePrompt the negative prompt of the single prompt (null for none)
         * @return this
         */
        public Builder negativePrompt(String negativePrompt) {
            this.negativePrompts = new ArrayList<>();
            if (negativePrompt != null) {
                this.negativePrompts.add(negativePrompt);
            }
            return this;
        }

        /**
         * @param negativePrompts one negative prompt per prompt
         * @return this
         */
        public Builder negativePrompts(List<String> negativePrompts) {
            this.negativePrompts = negativePrompts == null ? new ArrayList<>() : new ArrayList<>(negativePrompts);
            return this;
        }

        /**
         * @param width image width in pixels (multiple of 8)
         * @param height image height in pixels (multiple of 8)
         * @return this
         */
        public Builder size(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * @param width image width in pixels (multiple of 8)
         * @return this
         */
        public Builder width(int width) {
            this.width = width;
            return this;
        }

        /**
         * @param height image height in pixels (multiple of 8)
         * @return this
         */
        public Builder height(int height) {
            this.height = height;
            return this;
        }

        /**
         * @param steps number of denoising steps
         * @return this
         */
        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        /**
         * @param guidanceScale classifier-free guidance scale
         * @return this
         */
        public Builder guidanceScale(double guidanceScale) {
            this.guidanceScale = guidanceScale;
            return this;
        }

        /**
         * @param n images per prompt
         * @return this
         */
        public Builder imagesPerPrompt(int n) {
            this.imagesPerPrompt = n;
            return this;
        }

        /**
         * @param seed the generator seed
         * @return this
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param latents explicit initial latents (flattened {@code [B, 4, h/8, w/8]}); copied
         * @return this
         */
        public Builder latents(float[] latents) {
            this.latents = latents == null ? null : latents.clone();
            return this;
        }

        /**
         * @param eta DDIM eta
         * @return this
         */
        public Builder eta(double eta) {
            this.eta = eta;
            return this;
        }

        /**
         * @param clipSkip CLIP layers to skip
         * @return this
         */
        public Builder clipSkip(int clipSkip) {
            this.clipSkip = clipSkip;
            return this;
        }

        /**
         * @param initImage the init image for image-to-image
         * @return this
         */
        public Builder initImage(BufferedImage initImage) {
            this.initImage = initImage;
            return this;
        }

        /**
         * Reads the init image from a file (PNG, JPEG, BMP, GIF).
         *
         * @param file the image file
         * @return this
         * @throws IllegalArgumentException naming the file when it cannot be read as an image
         */
        public Builder initImage(Path file) {
            this.initImage = readImage("initImage", file);
            return this;
        }

        private static BufferedImage readImage(String parameter, Path file) {
            BufferedImage img;
            try {
                img = ImageIO.read(file.toFile());
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(parameter + ": cannot read " + file + ": " + e.getMessage(), e);
            }
            if (img == null) {
                throw new IllegalArgumentException(parameter + ": " + file
                        + " is not a readable image (PNG, JPEG, BMP, GIF)");
            }
            return img;
        }

        /**
         * @param strength image-to-image / inpainting strength in (0, 1] (checked on every request; used only with
         *     an init image)
         * @return this
         */
        public Builder strength(double strength) {
            this.strength = strength;
            return this;
        }

        /**
         * @param scheduler a scheduler for this request only
         * @return this
         */
        public Builder scheduler(SchedulerType scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Advanced: a progress callback that sees the raw latents (DJL arrays); most applications use
         * {@link #progress(ProgressListener)}. Replaces a listener set by {@code progress(...)}.
         *
         * @param listener progress callback
         * @return this
         */
        public Builder listener(StepListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * @param listener called after every model call with the step counts and timestep (no previews)
         * @return this
         */
        public Builder progress(ProgressListener listener) {
            return progress(listener, 0);
        }

        /**
         * Same as {@code progress(listener, previewEvery, PreviewMode.AUTO)}: previews from the tiny decoder when
         * the instance has one ({@code SmallStableDiffusion.Builder#previewVae} or a tiny {@code vae}), else
         * AUTOMATIC1111's cheap approximation; never a full VAE decode unless asked for with {@link PreviewMode#FULL}.
         *
         * @param listener called after every model call; replaces a listener set by {@link #listener}
         * @param previewEvery on every this many calls, also turn the current latents into one preview image per
         *     batch item, the size of the final images; 0 = never
         * @return this
         * @throws IllegalArgumentException ({@code previewEvery: ...}) when negative
         */
        public Builder progress(ProgressListener listener, int previewEvery) {
            return progress(listener, previewEvery, PreviewMode.AUTO);
        }

        /**
         * @param listener called after every model call; replaces a listener set by {@link #listener}
         * @param previewEvery on every this many calls, also turn the current latents into one preview image per
         *     batch item, the size of the final images; 0 = never
         * @param previewMode how the previews are made (the final images are the same in every mode); a mode the
         *     instance cannot make is rejected when the request is validated ({@code previewMode: ...})
         * @return this
         * @throws IllegalArgumentException ({@code previewEvery: ...}) when negative
         */
        public Builder progress(ProgressListener listener, int previewEvery, PreviewMode previewMode) {
            this.listener = new dev.smallsd.internal.pipeline.ProgressAdapter(listener, previewEvery, previewMode);
            return this;
        }

        /**
         * @param syntax how the prompts and negative prompts are read (default {@link PromptSyntax#PLAIN})
         * @return this
         */
        public Builder promptSyntax(PromptSyntax syntax) {
            this.promptSyntax = syntax;
            return this;
        }

        /**
         * Inpainting (diffusers' {@code StableDiffusionInpaintPipeline}): repaint the white region of the mask in the
         * {@link #initImage} (grey levels binarised at 0.5). Works with the model's own UNet (the known region is
         * blended back after every step) and with an inpainting UNet of 9 input channels.
         *
         * @param maskImage the mask, the same size as the init image
         * @return this
         */
        public Builder maskImage(BufferedImage maskImage) {
            this.maskImage = maskImage;
            return this;
        }

        /**
         * @param file a mask image file (PNG, JPEG, BMP, GIF)
         * @return this
         * @throws IllegalArgumentException when the file cannot be read as an image
         */
        public Builder maskImage(Path file) {
            this.maskImage = readImage("maskImage", file);
            return this;
        }

        /**
         * Applies a LoRA registered on the instance ({@code SmallStableDiffusion.Builder#registerLora}) to this
         * request only, as an unfused low-rank path: other requests and the base weights are not affected.
         *
         * @param name the registered name
         * @param scale the LoRA scale (1.0 = as trained)
         * @return this
         */
        public Builder lora(String name, double scale) {
            this.loras.add(new LoraUse(name, scale));
            return this;
        }

        /** @return the request (not yet validated) */
        public GenerationRequest build() {
            return new GenerationRequest(prompts, negativePrompts, width, height, steps, guidanceScale,
                    imagesPerPrompt, seed, latents, eta, clipSkip, initImage,
                    strength != null ? strength : maskImage != null ? DEFAULT_INPAINT_STRENGTH : DEFAULT_STRENGTH,
                    scheduler, listener, promptSyntax, maskImage, loras);
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Objects.hash(prompts, negativePrompts, width, height, steps, seed);
    }
}
