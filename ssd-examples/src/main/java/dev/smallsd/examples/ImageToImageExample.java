package dev.smallsd.examples;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Image-to-image: repaints an existing picture after a prompt. {@code strength} says how much of it is replaced
 * (0.75: the loop runs the last 75 % of the steps, starting from the init image noised to that level).
 *
 * <p>Usage: {@code ImageToImageExample <model-folder> <input-image> <output.png> [steps] [prompt]} (default 20
 * steps, of which the last 75 % run). The output has the input's size rounded down to multiples of 8.
 */
public final class ImageToImageExample {
    private ImageToImageExample() {}

    /**
     * @param args model folder, input image, output file, optional steps and prompt
     * @throws IOException when the PNG cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: ImageToImageExample <model-folder> <input-image> <output.png> "
                    + "[steps] [prompt]");
        }
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        String prompt = args.length > 4 ? args[4] : "a watercolor painting of a landscape, soft light";
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Path.of(args[0])).build()) {
            GenerationResult result = sd.generate(GenerationRequest.builder(prompt)
                    .initImage(Path.of(args[1]))
                    .strength(0.75)
                    .steps(steps)
                    .seed(7)
                    .build());
            result.savePng(0, Path.of(args[2]));
            System.out.printf("wrote %s (%dx%d) in %d ms%n", args[2], result.image().getWidth(),
                    result.image().getHeight(), result.timings().totalMillis());
        }
    }
}
