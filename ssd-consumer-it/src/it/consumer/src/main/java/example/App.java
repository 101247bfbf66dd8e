package example;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.nio.file.Path;

/** The README's quick start, as a user writes it. */
public final class App {
    private App() {}

    /**
     * Generates one image.
     *
     * @param args the model (Hub id or folder), the output PNG, and optionally the size
     * @throws Exception if generation fails
     */
    public static void main(String[] args) throws Exception {
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder()
                .model(args[0])                                   // Hub id (downloaded once) or a local folder
                .scheduler(SchedulerType.DPMPP_2M)
                .build()) {
            GenerationResult result = sd.generate(GenerationRequest.builder("an apple, 4k")
                    .size(size, size).steps(10).seed(42).build());
            result.savePng(0, Path.of(args[1]));                  // PNG with A1111-style "parameters" text
        }
    }
}
