package dev.smallsd.schedulers;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One diffusers scheduler class as this module implements it: its diffusers name, its constructor's keyword
 * defaults (in signature order) and how to build it from a resolved configuration. Each scheduler file declares its
 * own; {@link SchedulerType} lists them, and that list is the only registry.
 *
 * @param name the diffusers class name, e.g. {@code "PNDMScheduler"}
 * @param defaults the constructor defaults
 * @param factory builds the scheduler from a resolved configuration
 */
record SchedulerClass(
        String name, Supplier<Map<String, Object>> defaults, Function<SchedulerConfig, Scheduler> factory) {}
