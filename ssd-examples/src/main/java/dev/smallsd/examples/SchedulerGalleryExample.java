package dev.smallsd.examples;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.PngWriter;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One prompt and one seed through every {@link SchedulerType}, laid out as one labelled contact sheet PNG: how
 * the schedulers differ at the same step count.
 *
 * <p>Usage: {@code SchedulerGalleryExample <model-folder> <sheet.png> [steps] [prompt]} (default 20 steps). The
 * model is loaded once; each scheduler is chosen per request.
 */
public final class SchedulerGalleryExample {
    private SchedulerGalleryExample() {}

    /**
     * @param args model folder, output file, optional steps and prompt
     * @throws IOException when the PNG cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: SchedulerGalleryExample <model-folder> <sheet.png> [steps] "
                    + "[prompt]");
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String prompt = args.length > 3 ? args[3] : "a lighthouse on a cliff at sunset, oil painting";
        List<BufferedImage> images = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Path.of(args[0])).build()) {
            for (SchedulerType type : SchedulerType.values()) {
                GenerationResult r = sd.generate(GenerationRequest.builder(prompt)
                        .scheduler(type)
                        .steps(steps)
                        .seed(1234)
                        .build());
                images.add(r.image());
                labels.add(type.userName());
                System.out.printf("%-16s %5d ms%n", type.userName(), r.timings().totalMillis());
            }
        }
        String parameters = prompt + "\nSteps: " + steps + ", Seed: 1234, Samplers: " + String.join(", ", labels);
        PngWriter.write(ContactSheet.render(images, labels), Path.of(args[1]), parameters);
        System.out.println("wrote " + args[1]);
    }
}
