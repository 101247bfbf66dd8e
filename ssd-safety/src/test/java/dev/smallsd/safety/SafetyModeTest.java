package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The safety modes on the tiny model, with the golden pipeline case whose image the reference flags (found in the
 * manifest): {@code BLOCK} returns it black and flagged, {@code FLAG_ONLY} returns the decoded image with the flag,
 * {@code OFF} runs no checker at all and warns once. A counting wrapper around the real checker, handed to the
 * builder, shows how often the pipeline calls it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SafetyModeTest {
    private static final String DECODED = "image_unfiltered";
    private static final String DISABLED_WARNING = "safety checker is disabled";

    private NDManager manager;
    private String flaggedCase;

    /** Counts calls and batch sizes, delegating to a real checker. */
    private static final class CountingChecker implements SafetyChecker {
        private final SafetyChecker delegate;
        private final List<Long> batches = new ArrayList<>();
        private final AtomicBoolean closed = new AtomicBoolean();

        CountingChecker(SafetyChecker delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized boolean[] check(NDArray images) {
            batches.add(images.getShape().get(0));
            return delegate.check(images);
        }

        synchronized List<Long> batches() {
            return List.copyOf(batches);
        }

        @Override
        public void close() {
            closed.set(true);
            delegate.close();
        }
    }

    @BeforeAll
    void setUp() {
        manager = NDManager.newBaseManager();
        for (Map.Entry<String, JsonElement> e : Golden.manifest().getAsJsonObject("cases").entrySet()) {
            if (PipelineCases.names().contains(e.getKey())) {
                for (JsonElement f : e.getValue().getAsJsonObject().getAsJsonArray("has_nsfw_concept")) {
                    if (f.getAsBoolean() && flaggedCase == null) {
                        flaggedCase = e.getKey();
                    }
                }
            }
        }
        assertThat(flaggedCase).as("a pipeline case whose image the reference flags").isNotNull();
    }

    @AfterAll
    void tearDown() {
        manager.close();
    }

    private static CountingChecker counting() {
        return new CountingChecker(ClipSafetyChecker.load(Golden.tinyModel(), null).orElseThrow());
    }

    private static SmallStableDiffusion build(SafetyMode mode, SafetyChecker checker) {
        SmallStableDiffusion.Builder b = SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(mode);
        if (checker != null) {
            b.safetyChecker(checker);
        }
        return b.build();
    }

    @Test
    void blockReturnsTheFlaggedImageBlackAndFlagged() {
        CountingChecker checker = counting();
        try (SmallStableDiffusion sd = build(SafetyMode.BLOCK, checker)) {
            GenerationResult r = PipelineCases.run(sd, flaggedCase, manager).result();
            assertThat(r.nsfw()).as(flaggedCase + " flags").containsExactly(true);
            assertThat(r.safetyChecked()).isTrue();
            assertThat(PipelineCases.isBlack(r.image())).as(flaggedCase + " image is black").isTrue();
            assertThat(checker.batches()).as("checker calls (batch sizes)").containsExactly(1L);
        }
        assertThat(checker.closed).as("closing the instance closes its checker").isTrue();
    }

    @Test
    void flagOnlyKeepsTheImageAndSetsTheFlag() {
        CountingChecker checker = counting();
        try (SmallStableDiffusion sd = build(SafetyMode.FLAG_ONLY, checker);
                SafeTensorsFile f = Golden.open(flaggedCase)) {
            GenerationResult r = PipelineCases.run(sd, flaggedCase, manager).result();
            assertThat(r.nsfw()).as(flaggedCase + " flags").containsExactly(true);
            assertThat(PipelineCases.isBlack(r.image())).as(flaggedCase + " image is kept").isFalse();
            NDArray decoded = f.load(DECODED, manager);
            double worst = PipelineCases.assertQuantisedClose(flaggedCase + " kept image vs " + DECODED, r.images(),
                    decoded, Golden.tolerance(Golden.caseEntry(flaggedCase), DECODED, 1e-4).atol());
            System.out.printf("FLAG_ONLY %s: flagged, image kept, max |u8/255 - %s| = %.3g%n", flaggedCase, DECODED,
                    worst);
            assertThat(checker.batches()).containsExactly(1L);
        }
    }

    @Test
    void offRunsNoCheckerAndWarnsOnce() {
        CountingChecker checker = counting();
        PrintStream err = System.err;
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(first, true, StandardCharsets.UTF_8));
            try (SmallStableDiffusion sd = build(SafetyMode.OFF, checker)) {
                assertThat(InternalAccess.engine(sd).safetyChecker()).isNull();
                GenerationResult r = PipelineCases.run(sd, flaggedCase, manager).result();
                assertThat(r.nsfw()).as("no flags without a checker").isEmpty();
                assertThat(r.safetyChecked()).isFalse();
                assertThat(PipelineCases.isBlack(r.image())).as(flaggedCase + " image is not blacked out").isFalse();
            }
            System.setErr(new PrintStream(second, true, StandardCharsets.UTF_8));
            try (SmallStableDiffusion sd = build(SafetyMode.OFF, null)) {
                assertThat(InternalAccess.engine(sd).safetyChecker()).isNull();
            }
        } finally {
            System.setErr(err);
            // an OFF instance never uses (nor closes) a checker handed to it
            checker.close();
        }
        assertThat(checker.batches()).as("the checker handed to an OFF instance is never called").isEmpty();
        int firstWarnings = count(first.toString(StandardCharsets.UTF_8), DISABLED_WARNING);
        int secondWarnings = count(second.toString(StandardCharsets.UTF_8), DISABLED_WARNING);
        System.out.printf("OFF: checker calls %d; disabled-checker warnings: first build %d, second build %d%n",
                checker.batches().size(), firstWarnings, secondWarnings);
        // once per JVM: this is the module's only OFF build, so the first build logs it and the second does not
        assertThat(firstWarnings).as("warning on the first OFF build").isEqualTo(1);
        assertThat(secondWarnings).as("no second warning").isZero();
    }

    @Test
    void theCheckerRunsOncePerBatch() {
        CountingChecker checker = counting();
        try (SmallStableDiffusion sd = build(SafetyMode.BLOCK, checker)) {
            GenerationResult r = sd.generate(GenerationRequest.builder("a small test").steps(2).size(64, 64)
                    .imagesPerPrompt(3).seed(7).build());
            assertThat(r.images()).hasSize(3);
            assertThat(r.nsfw()).hasSize(3);
            assertThat(checker.batches()).as("one call with the whole batch").containsExactly(3L);
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
