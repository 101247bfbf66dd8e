package dev.smallsd.examples;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Inpainting: repaints the white region of a mask in a picture after a prompt, keeping the rest (diffusers'
 * {@code StableDiffusionInpaintPipeline}). Works with the model's own UNet; an inpainting UNet (9 input channels)
 * can be given as the optional last argument.
 *
 * <p>Usage: {@code InpaintExample <model-folder> <image> <mask> <output.png> [steps] [prompt] [inpainting-unet-folder]}
 * (default 20 steps). The mask is the size of the image; grey levels from 128 up are repainted.
 */
public final class InpaintExample {
    private InpaintExample() {}

    /**
     * @param args model folder, image, mask, output file, optional steps, prompt and UNet folder
     * @throws IOException when the PNG cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: InpaintExample <model-folder> <image> <mask> <output.png> "
                    + "[steps] [prompt] [inpainting-unet-folder]");
        }
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        String prompt = args.length > 5 ? args[5] : "a red wooden door";
        SmallStableDiffusion.Builder builder = SmallStableDiffusion.builder().modelPath(Path.of(args[0]));
        if (args.length > 6) {
            builder.unet(Path.of(args[6]));
        }
        try (SmallStableDiffusion sd = builder.build()) {
            GenerationResult result = sd.generate(GenerationRequest.builder(prompt)
                    .initImage(Path.of(args[1]))
                    .maskImage(Path.of(args[2]))
                    .steps(steps)
                    .seed(7)
                    .build());
            result.savePng(0, Path.of(args[3]));
            System.out.printf("wrote %s (%dx%d) in %d ms%n", args[3], result.image().getWidth(),
                    result.image().getHeight(), result.timings().totalMillis());
        }
    }
}
