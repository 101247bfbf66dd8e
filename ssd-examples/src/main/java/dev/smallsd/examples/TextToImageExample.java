package dev.smallsd.examples;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The README quick-start: one prompt, one seed, one PNG, with the DPM-Solver++ 2M scheduler.
 *
 * <p>Usage: {@code TextToImageExample [model] [output.png] [steps]} (defaults: the Hub model
 * {@code OFA-Sys/small-stable-diffusion-v0}, downloaded on first use, or a local folder; {@code apple.png}; 10). The
 * image has the model's default size (512x512 for small-stable-diffusion-v0).
 */
public final class TextToImageExample {
    private TextToImageExample() {}

    /**
     * @param args optional model (Hub id or folder), output file and number of steps
     * @throws IOException when the PNG cannot be written
     */
    public static void main(String[] args) throws IOException {
        String model = args.length > 0 ? args[0] : "OFA-Sys/small-stable-diffusion-v0";
        Path output = Path.of(args.length > 1 ? args[1] : "apple.png");
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder()
                .model(model)
                .scheduler(SchedulerType.DPMPP_2M)
                .build()) {
            GenerationResult result = sd.generate(GenerationRequest.builder("an apple, 4k")
                    .steps(steps).seed(42).build());
            result.savePng(0, output);
            System.out.println("wrote " + output + " in " + result.timings().totalMillis() + " ms");
        }
    }
}
