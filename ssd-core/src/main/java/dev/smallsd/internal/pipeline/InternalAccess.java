package dev.smallsd.internal.pipeline;

import dev.smallsd.SmallStableDiffusion;
import java.util.Objects;
import java.util.function.Function;

/**
 * Internal API, not for applications: the route by which this project's own tests and diagnostics reach the engine
 * behind a {@link SmallStableDiffusion} (to run a request with {@link PipelineHooks} or an exact scheduler).
 * {@link SmallStableDiffusion} installs the accessor once, when its class initialises.
 */
public final class InternalAccess {
    private static volatile Function<SmallStableDiffusion, StableDiffusionPipeline> engines;

    private InternalAccess() {}

    /**
     * Called once by {@link SmallStableDiffusion}'s class initialiser.
     *
     * @param accessor returns an instance's engine
     * @throws IllegalStateException when an accessor is already installed
     */
    public static synchronized void install(Function<SmallStableDiffusion, StableDiffusionPipeline> accessor) {
        if (engines != null) {
            throw new IllegalStateException("the engine accessor is already installed");
        }
        engines = Objects.requireNonNull(accessor, "accessor");
    }

    /**
     * @param sd an open instance
     * @return the engine it drives
     */
    public static StableDiffusionPipeline engine(SmallStableDiffusion sd) {
        Objects.requireNonNull(sd, "sd");
        return engines.apply(sd);
    }
}
