package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.ManagerPerClass;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every seeded {@code inpaint}, {@code lora} and {@code taesd} case of {@code golden/features} whose reference ran
 * with a safety checker, replayed through the public API with the checker this module puts on the class path: the
 * nsfw flags exactly, the PNG within {@code png_max_level_diff}, and the float images (flagged ones zeroed as diffusers
 * does) within {@code images_atol}. Cases whose reference ran without one ({@code safety_checker: false}) are core's
 * ({@code FeaturesGoldenTest}, no checker on its class path) and the CLI's ({@code --no-safety}); building an
 * {@code OFF} instance here would also take the once-per-JVM warning {@code SafetyModeTest} checks.
 */
class FeaturesSeededGoldenTest extends ManagerPerClass {

    @TestFactory
    Stream<DynamicTest> seededFeatureCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (FeatureCase c : FeatureCase.all()) {
            if (c.seeded() && c.withSafetyChecker()) {
                tests.add(DynamicTest.dynamicTest(c + " with the safety checker", () -> check(c)));
            }
        }
        assertThat(tests).as("seeded inpaint/lora/taesd cases with a checker in the features manifest").isNotEmpty();
        return tests.stream();
    }

    private void check(FeatureCase c) throws Exception {
        FeatureCase.Run r = c.run(false, b -> b, manager);
        assertThat(r.result().safetyChecked()).as(c.name() + ": the checker ran").isTrue();
        List<Boolean> flags = new ArrayList<>();
        boolean[] raw = new boolean[r.result().images().size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = r.result().isNsfw(i);
            flags.add(raw[i]);
        }
        assertThat(flags).as(c.name() + " nsfw").isEqualTo(c.nsfw());
        c.assertMatchesGolden(r.result(), ClipSafetyChecker.filter(r.decoded(), raw), false,
                c.name() + " (checker on)", manager);
    }
}
