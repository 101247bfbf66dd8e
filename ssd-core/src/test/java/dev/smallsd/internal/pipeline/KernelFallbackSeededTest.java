package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.nn.KernelFallback;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SeededCase;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The first {@code golden/seeded} case of the manifest replayed without the TorchScript kernels (the plain DJL
 * attention, group norm and GEGLU, as with {@code -Dssd.kernels.disable=true}): its unflagged decoded images stay
 * within the case's tolerance, so the fallback path keeps diffusers' numbers too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelFallbackSeededTest {
    private final NDManager manager = NDManager.newBaseManager();
    private final SmallStableDiffusion sd =
            SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF).build();

    @AfterAll
    void close() {
        sd.close();
        manager.close();
    }

    @TestFactory
    Stream<DynamicTest> firstSeededCaseOnTheFallback() {
        List<SeededCase> all = SeededCase.all();
        assertThat(all).as("seeded cases in the manifest").isNotEmpty();
        SeededCase c = all.get(0);
        NDArray decoded = KernelFallback.run(() -> decode(c));
        List<DynamicTest> tests = new ArrayList<>();
        List<Boolean> nsfw = c.nsfw();
        for (int i = 0; i < nsfw.size(); i++) {
            int image = i;
            if (!nsfw.get(i)) {
                tests.add(DynamicTest.dynamicTest(c.name() + " image " + i + " without kernels ("
                        + c.imagesTolerance() + ")", () -> {
                            NDArray golden = c.images(manager).get(image);
                            NDArray ours = decoded.get(image);
                            c.imagesTolerance().assertClose(c.name() + " image " + image + " (fallback)", ours,
                                    golden);
                            System.out.printf("%s image %d without kernels: max |java - golden| = %.3g%n", c.name(),
                                    image, ours.sub(golden).abs().max().getFloat());
                        }));
            }
        }
        assertThat(tests).as(c.name() + ": an image the reference did not flag").isNotEmpty();
        return tests.stream();
    }

    private NDArray decode(SeededCase c) {
        NDArray[] decoded = new NDArray[1];
        InternalAccess.engine(sd).run(c.request(), new PipelineHooks(null, new PipelineHooks.Observer() {
            @Override
            public void onDecoded(NDArray images) {
                decoded[0] = manager.create(images.toFloatArray(), images.getShape());
                NDScope.unregister(decoded[0]); // called inside the run's scope: keep the copy
            }
        }), () -> false);
        assertThat(decoded[0]).as(c.name() + ": the run reported its decoded images").isNotNull();
        return decoded[0];
    }
}
