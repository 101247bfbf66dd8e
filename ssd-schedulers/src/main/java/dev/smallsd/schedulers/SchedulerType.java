package dev.smallsd.schedulers;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
            for (SchedulerType t : values()) {
                String a1111 = t.a1111Sampler().orElse(null);
                if (a1111 != null && (a1111 + t.a1111ScheduleType().map(k -> " " + k).orElse(""))
                        .toLowerCase(Locale.ROOT).equals(n)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown scheduler '" + name + "'; valid names: "
                + Arrays.stream(values()).map(SchedulerType::userName).collect(Collectors.joining(", "))
                + " (or AUTOMATIC1111's sampler names, e.g. 'DPM++ 2M', 'Euler a', 'PLMS')");
    }

    /**
     * Finds the type for AUTOMATIC1111's {@code Sampler} and {@code Schedule type} fields, as its PNG parameters
     * hold them (older A1111 versions write {@code "DPM++ 2M Karras"} as the sampler and no schedule type).
     *
     * @param sampler the sampler name, e.g. {@code "DPM++ 2M"}
     * @param scheduleType the schedule type, e.g. {@code "Karras"}, or null / empty / {@code "Automatic"}
     * @return the type
     * @throws IllegalArgumentException if no type matches
     */
    public static SchedulerType fromA1111(String sampler, String scheduleType) {
        boolean karras = scheduleType != null && scheduleType.trim().equalsIgnoreCase("Karras");
        return fromName(karras ? sampler.trim() + " Karras" : sampler);
    }

    /**
     * Returns the sampler name AUTOMATIC1111 uses for this scheduler ({@code "PLMS"}, {@code "DPM++ 2M"},
     * {@code "Euler a"}, ...), so that A1111 reads the PNG parameters back to the same sampler; empty where A1111
     * has no equivalent (DPM++ 3M, DPM-Solver 2M, DPM-Solver singlestep, DEIS).
     *
     * @return the A1111 sampler name
     */
    public Optional<String> a1111Sampler() {
        return Optional.ofNullable(switch (this) {
            case PNDM -> "PLMS";
            case DDIM -> "DDIM";
            case DDPM -> "DDPM";
            case DPMPP_2M, DPMPP_2M_KARRAS -> "DPM++ 2M";
            case EULER, EULER_KARRAS -> "Euler";
            case EULER_A -> "Euler a";
            case LMS -> "LMS";
            case HEUN -> "Heun";
            case KDPM2 -> "DPM2";
            case KDPM2_A -> "DPM2 a";
            case UNIPC -> "UniPC";
            case LCM -> "LCM";
            case DPMPP_3M, DPM_2M, DPM_SINGLESTEP, DEIS -> null;
        });
    }

    /**
     * Returns AUTOMATIC1111's {@code Schedule type} for this scheduler: {@code "Karras"} for the Karras-sigma
     * variants, empty otherwise.
     *
     * @return the schedule type
     */
    public Optional<String> a1111ScheduleType() {
        return Boolean.TRUE.equals(overrides.get("use_karras_sigmas")) ? Optional.of("Karras") : Optional.empty();
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
