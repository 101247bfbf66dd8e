package dev.smallsd.schedulers;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * User-facing scheduler names, each a diffusers class plus config overrides.
 *
 * <p>This enum is the one place a scheduler is registered: {@link Schedulers} knows exactly the classes its
 * constants name. Adding a scheduler means its own file (declaring its {@code SchedulerClass}) and a constant here.
 */
public enum SchedulerType {
    /** PNDM (PLMS), the Stable Diffusion v1 default. */
    PNDM("pndm", PndmScheduler.CLASS, Map.of()),
    /** DDIM. */
    DDIM("ddim", DdimScheduler.CLASS, Map.of()),
    /** DDPM (ancestral). */
    DDPM("ddpm", DdpmScheduler.CLASS, Map.of()),
    /** DPM-Solver++ 2M. */
    DPMPP_2M("dpm++2m", DpmSolverMultistepScheduler.CLASS, Map.of()),
    /** DPM-Solver++ 2M with Karras sigmas. */
    DPMPP_2M_KARRAS("dpm++2m-karras", DpmSolverMultistepScheduler.CLASS, Map.of("use_karras_sigmas", true)),
    /** DPM-Solver++ 3M. */
    DPMPP_3M("dpm++3m", DpmSolverMultistepScheduler.CLASS, Map.of("solver_order", 3)),
    /** DPM-Solver (noise prediction) 2M, ending at σ_min. */
    DPM_2M("dpm2m", DpmSolverMultistepScheduler.CLASS,
            Map.of("algorithm_type", "dpmsolver", "final_sigmas_type", "sigma_min")),
    /** DPM-Solver++ singlestep (order 2). */
    DPM_SINGLESTEP("dpm-singlestep", DpmSolverSinglestepScheduler.CLASS, Map.of()),
    /** Euler. */
    EULER("euler", EulerDiscreteScheduler.CLASS, Map.of()),
    /** Euler with Karras sigmas. */
    EULER_KARRAS("euler-karras", EulerDiscreteScheduler.CLASS, Map.of("use_karras_sigmas", true)),
    /** Euler ancestral. */
    EULER_A("euler-a", EulerAncestralDiscreteScheduler.CLASS, Map.of()),
    /** Linear multistep (LMS). */
    LMS("lms", LmsDiscreteScheduler.CLASS, Map.of()),
    /** Heun (two model calls per step). */
    HEUN("heun", HeunDiscreteScheduler.CLASS, Map.of()),
    /** KDPM2 / DPM2 (two model calls per step). */
    KDPM2("kdpm2", KDpm2DiscreteScheduler.CLASS, Map.of()),
    /** KDPM2 ancestral / DPM2 a (two model calls per step). */
    KDPM2_A("kdpm2-a", KDpm2AncestralDiscreteScheduler.CLASS, Map.of()),
    /** UniPC (bh2, order 2). */
    UNIPC("unipc", UniPcMultistepScheduler.CLASS, Map.of()),
    /** DEIS (log-rho, order 2). */
    DEIS("deis", DeisMultistepScheduler.CLASS, Map.of()),
    /** Latent consistency (for LCM-distilled models). */
    LCM("lcm", LcmScheduler.CLASS, Map.of());

    private final String userName;
    private final SchedulerClass schedulerClass;
    private final Map<String, Object> overrides;

    SchedulerType(String userName, SchedulerClass schedulerClass, Map<String, Object> overrides) {
        this.userName = userName;
        this.schedulerClass = schedulerClass;
        this.overrides = overrides;
    }

    /**
     * Returns the user-facing name, e.g. {@code "dpm++2m-karras"}.
     *
     * @return the name
     */
    public String userName() {
        return userName;
    }

    /**
     * Returns the diffusers class name.
     *
     * @return the class name
     */
    public String className() {
        return schedulerClass.name();
    }

    /**
     * Returns the config overrides applied on top of the base config.
     *
     * @return the overrides (unmodifiable)
     */
    public Map<String, Object> overrides() {
        return overrides;
    }

    /**
     * Looks a type up by its user-facing name (case-insensitive).
     *
     * @param name the name, e.g. {@code "euler-a"}
     * @return the type
     * @throws IllegalArgumentException listing the valid names if there is no such type
     */
    public static SchedulerType fromName(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (SchedulerType t : values()) {
                if (t.userName.equals(n)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown scheduler '" + name + "'; valid names: "
                + Arrays.stream(values()).map(SchedulerType::userName).collect(Collectors.joining(", ")));
    }

    /** The class this type builds. */
    SchedulerClass schedulerClass() {
        return schedulerClass;
    }

    @Override
    public String toString() {
        return userName;
    }
}
