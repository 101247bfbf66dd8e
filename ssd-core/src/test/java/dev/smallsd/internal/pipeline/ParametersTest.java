package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationRequest;
import dev.smallsd.schedulers.Scheduler;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.schedulers.Schedulers;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The A1111 parameters text names samplers as AUTOMATIC1111 does, so its own parser reads them back. */
class ParametersTest {

    private static final Map<String, Object> PNDM_CONFIG = Map.of("_class_name", "PNDMScheduler",
            "beta_schedule", "scaled_linear", "beta_start", 0.00085, "beta_end", 0.012, "skip_prk_steps", true);

    private static String text(SchedulerType requested, Scheduler used) {
        GenerationRequest.Builder b = GenerationRequest.builder("a cat").steps(10).seed(1);
        if (requested != null) {
            b.scheduler(requested);
        }
        return Parameters.a1111(b.build(), 0, used, 64, 64, 1, "model");
    }

    @Test
    void requestedTypesUseA1111NamesAndScheduleType() {
        Scheduler pndm = Schedulers.fromConfig(PNDM_CONFIG, "PNDMScheduler", Map.of());
        assertThat(text(SchedulerType.EULER_A, pndm)).contains("Sampler: Euler a, CFG scale");
        assertThat(text(SchedulerType.DPMPP_2M_KARRAS, pndm)).contains("Sampler: DPM++ 2M, Schedule type: Karras,");
        assertThat(text(SchedulerType.DEIS, pndm)).as("no A1111 equivalent: our name").contains("Sampler: deis,");
    }

    @Test
    void theModelsOwnSchedulerIsNamedByItsClass() {
        assertThat(text(null, Schedulers.fromConfig(PNDM_CONFIG, "PNDMScheduler", Map.of())))
                .contains("Sampler: PLMS, CFG scale");
        Scheduler karras = Schedulers.fromConfig(PNDM_CONFIG, "EulerDiscreteScheduler",
                Map.of("use_karras_sigmas", true));
        assertThat(text(null, karras)).contains("Sampler: Euler, Schedule type: Karras,");
    }
}
