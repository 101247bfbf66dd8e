package dev.smallsd.internal.io.config;

/**
 * One pipeline component as {@code model_index.json} declares it: {@code [library, class]}, e.g.
 * {@code ["diffusers", "UNet2DConditionModel"]}. A component saved as {@code null} or {@code [null, null]} (e.g. a
 * pipeline stored without its safety checker) is {@link #NONE}.
 *
 * @param library the library, e.g. {@code "diffusers"} or {@code "transformers"}, or {@code null}
 * @param className the class name, or {@code null}
 */
public record ComponentSpec(String library, String className) {
    /** An absent component ({@code null} or {@code [null, null]}). */
    public static final ComponentSpec NONE = new ComponentSpec(null, null);

    /** @return whether the component is present (has a class) */
    public boolean isPresent() {
        return className != null;
    }
}
