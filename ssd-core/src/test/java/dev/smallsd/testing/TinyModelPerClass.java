package dev.smallsd.testing;

import dev.smallsd.GenerationRequest;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of API test classes that share one instance of the tiny model (no safety checker), loaded before the first
 * test of the class and closed after the last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TinyModelPerClass {
    /** The class's instance. */
    protected SmallStableDiffusion sd;

    /** Loads the tiny model. */
    @BeforeAll
    void load() {
        sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF).build();
    }

    /** Closes the instance. */
    @AfterAll
    void close() {
        sd.close();
    }

    /** @return a cheap request: 64×64, 3 steps, seed 7 */
    protected static GenerationRequest.Builder small() {
        return GenerationRequest.builder("a red bicycle by the sea").size(64, 64).steps(3).seed(7);
    }
}
