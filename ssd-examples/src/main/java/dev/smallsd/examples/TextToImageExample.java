package dev.smallsd.examples;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The README quick-start: one prompt, one seed, one PNG.
 *
 * <p>Usage: {@code TextToImageExample [model-folder] [output.png] [steps]} (defaults:
 * {@code small-stable-diffusion-v0}, {@code apple.png}, 25).
 */
public final class TextToImageExample {
    private TextToImageExample() {}

    /**
     * @param args optional model folder, output file and number of steps
     * @throws IOException when the PNG cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path model = Path.of(args.length > 0 ? args[0] : "small-stable-diffusion-v0");
        Path output = Path.of(args.length > 1 ? args[1] : "apple.png");
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 25;
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(model).build()) {
            GenerationRequest request = GenerationRequest.builder("an apple, 4k, studio lighting")
                    .steps(steps)
                    .seed(42)
                    .build();
            GenerationResult result = sd.generate(request);
            result.savePng(0, output);
            System.out.println("wrote " + output + " in " + result.timings().totalMillis() + " ms");
        }
    }
}
