package dev.smallsd.examples.cli;

import java.util.Map;

/**
 * Turns the library's request validation errors ({@code IllegalArgumentException}s whose message starts with the
 * parameter name, e.g. {@code "steps: 0 must be >= 1"}) into usage errors naming the command-line option
 * ({@code "--steps: 0 must be >= 1"}): the bounds and their wording live in the library only.
 */
final class RequestErrors {
    /** Request parameter → the option (and, where one option sets several parameters, which one). */
    private static final Map<String, String> OPTIONS = Map.ofEntries(
            Map.entry("prompt", "--prompt"),
            Map.entry("negativePrompt", "--negative"),
            Map.entry("width", "--size: width"),
            Map.entry("height", "--size: height"),
            Map.entry("width/height", "--size"),
            Map.entry("steps", "--steps"),
            Map.entry("guidanceScale", "--guidance"),
            Map.entry("imagesPerPrompt", "--num-images"),
            Map.entry("initImage", "--init-image"),
            Map.entry("strength", "--strength"),
            Map.entry("maskImage", "--mask"),
            Map.entry("previewEvery", "--preview-every"),
            Map.entry("previewMode", "--preview-mode"));

    private RequestErrors() {}

    /**
     * @param e a validation error of {@code GenerationRequest.validate} or {@code SmallStableDiffusion.validate}
     * @return the usage error, its message starting with the option instead of the parameter
     */
    static CliException usage(IllegalArgumentException e) {
        String message = e.getMessage() == null ? "invalid request" : e.getMessage();
        int colon = message.indexOf(':');
        String option = colon > 0 ? OPTIONS.get(message.substring(0, colon)) : null;
        return new CliException(SsdCommand.EXIT_USAGE, option == null ? message : option + message.substring(colon),
                e);
    }
}
