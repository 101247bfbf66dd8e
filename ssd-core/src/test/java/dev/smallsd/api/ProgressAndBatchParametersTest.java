package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.StepProgress;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.TinyModelPerClass;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On the tiny model: {@code progress(...)} reports model calls and steps without engine types, previews are decoded
 * only when asked for and leave the result unchanged, and a batch's PNG parameters say how to reproduce each image.
 */
class ProgressAndBatchParametersTest extends TinyModelPerClass {

    @Test
    void progressCountsModelCallsAndStepsApartWithoutPreviewsByDefault() {
        List<StepProgress> seen = new ArrayList<>();
        List<Integer> rawTotals = new ArrayList<>();
        GenerationRequest r = small().scheduler(SchedulerType.PNDM).progress(seen::add).build();
        sd.generate(r);
        sd.generate(small().scheduler(SchedulerType.PNDM).listener((s, total, t, x) -> rawTotals.add(total)).build());

        int calls = seen.get(0).totalModelCalls();
        assertThat(calls).as("PNDM: one model call more than steps (its first step evaluates twice)")
                .isEqualTo(r.steps() + 1);
        assertThat(rawTotals).hasSize(calls).containsOnly(calls);
        assertThat(seen).hasSize(calls);
        for (int i = 0; i < calls; i++) {
            StepProgress p = seen.get(i);
            assertThat(p.modelCall()).isEqualTo(i + 1);
            assertThat(p.steps()).isEqualTo(r.steps());
            assertThat(p.previews()).isEmpty();
            assertThat(p.preview()).isEmpty();
        }
        assertThat(seen.get(calls - 1).fraction()).isEqualTo(1.0);
    }

    @Test
    void previewsComeEveryNCallsFromTheModelsAutoencoderAndDoNotChangeTheResult() {
        FeatureCase taesd = FeatureCase.all().stream().filter(c -> "taesd".equals(c.kind()) && c.entry().has("vae"))
                .findFirst().orElseThrow(() -> new AssertionError("no taesd case with a 'vae' in the features "
                        + "manifest"));
        try (SmallStableDiffusion tiny = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .vae(taesd.path("vae")).safetyMode(SafetyMode.OFF).build()) {
            GenerationRequest.Builder b = small().imagesPerPrompt(2).scheduler(SchedulerType.DPMPP_2M);
            GenerationResult plain = tiny.generate(b.build());

            List<StepProgress> every = new ArrayList<>();
            GenerationResult withPreviews = tiny.generate(b.progress(every::add, 1).build());
            assertThat(maxLevelDiff(withPreviews.images(), plain.images()))
                    .as("previews draw nothing from the generator").isZero();
            for (StepProgress p : every) {
                assertThat(p.previews()).hasSize(2);
                assertThat(p.preview()).contains(p.previews().get(0));
                assertThat(p.previews().get(0).getWidth()).isEqualTo(64);
            }
            assertThat(maxLevelDiff(every.get(every.size() - 1).previews(), plain.images()))
                    .as("the last call's previews are the result, decoded the same way").isZero();

            List<StepProgress> second = new ArrayList<>();
            tiny.generate(b.progress(second::add, 2).build());
            assertThat(second).hasSize(every.size());
            for (StepProgress p : second) {
                assertThat(p.previews()).as("call " + p.modelCall()).hasSize(p.modelCall() % 2 == 0 ? 2 : 0);
            }
        }
    }

    @Test
    void aNegativePreviewIntervalIsRejectedNamingTheParameter() {
        assertThatThrownBy(() -> small().progress(p -> { }, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("previewEvery: -1");
    }

    @Test
    void aBatchRecordsSizeAndPositionAndImageIIsReproducedFromItsOwnText() {
        GenerationResult batch = sd.generate(GenerationRequest.builder()
                .prompts(List.of("a red bicycle by the sea", "a lighthouse at night")).imagesPerPrompt(2)
                .size(64, 64).steps(3).seed(11).scheduler(SchedulerType.EULER_A).build());
        assertThat(batch.images()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(batch.parameters().get(i)).contains(", Batch size: 4, Batch pos: " + i);
        }
        assertThat(sd.generate(small().build()).parameters().get(0)).doesNotContain("Batch");

        int pos = 3;
        Map<String, String> fields = fields(batch.parameters().get(pos));
        String prompt = batch.parameters().get(pos).lines().findFirst().orElseThrow();
        int batchSize = Integer.parseInt(fields.get("Batch size"));
        assertThat(Integer.parseInt(fields.get("Batch pos"))).isEqualTo(pos);
        GenerationResult again = sd.generate(GenerationRequest.builder(prompt).imagesPerPrompt(batchSize)
                .size(64, 64).steps(Integer.parseInt(fields.get("Steps"))).seed(Long.parseLong(fields.get("Seed")))
                .scheduler(SchedulerType.fromName(fields.get("Sampler"))).build());
        assertThat(maxLevelDiff(List.of(again.images().get(pos)), List.of(batch.images().get(pos))))
                .as("same seed and batch size, image at Batch pos").isZero();
    }

    /** The {@code key: value} fields of the last line, split as A1111's parser does for these simple values. */
    private static Map<String, String> fields(String parameters) {
        String[] lines = parameters.split("\n");
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : lines[lines.length - 1].split(", ")) {
            int colon = kv.indexOf(": ");
            m.put(kv.substring(0, colon), kv.substring(colon + 2));
        }
        return m;
    }

    /** @return the largest difference of one 8-bit channel level between two lists of images */
    private static int maxLevelDiff(List<BufferedImage> a, List<BufferedImage> b) {
        assertThat(a).hasSameSizeAs(b);
        List<int[]> pa = pixels(a);
        List<int[]> pb = pixels(b);
        int max = 0;
        for (int i = 0; i < pa.size(); i++) {
            assertThat(pa.get(i).length).isEqualTo(pb.get(i).length);
            for (int p = 0; p < pa.get(i).length; p++) {
                for (int shift = 0; shift <= 16; shift += 8) {
                    max = Math.max(max, Math.abs((pa.get(i)[p] >> shift & 0xFF) - (pb.get(i)[p] >> shift & 0xFF)));
                }
            }
        }
        return max;
    }

    private static List<int[]> pixels(List<BufferedImage> images) {
        List<int[]> out = new ArrayList<>();
        for (BufferedImage img : images) {
            out.add(img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth()));
        }
        return out;
    }
}
