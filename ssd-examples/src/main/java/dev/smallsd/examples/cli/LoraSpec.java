package dev.smallsd.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;

/**
 * A {@code --lora path[:scale]} argument: the LoRA file and its scale (1.0 when omitted). The scale is the part after
 * the last {@code :} when that part is a number, so paths containing {@code :} still work.
 *
 * @param path the LoRA file
 * @param scale its scale
 */
public record LoraSpec(Path path, double scale) {

    /**
     * @param text {@code path} or {@code path:scale}
     * @return the spec
     * @throws IllegalArgumentException for an empty path or a non-finite scale
     */
    public static LoraSpec parse(String text) {
        String path = text;
        double scale = 1.0;
        int colon = text.lastIndexOf(':');
        if (colon >= 0) {
            try {
                scale = Double.parseDouble(text.substring(colon + 1));
                path = text.substring(0, colon);
            } catch (NumberFormatException e) {
                scale = 1.0; // the ':' belongs to the path
            }
        }
        if (path.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' names no file (expected path[:scale])");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale " + scale + " in '" + text + "' must be finite");
        }
        return new LoraSpec(Path.of(path), scale);
    }

    /** picocli converter for {@code --lora}. */
    public static final class Converter implements ITypeConverter<LoraSpec> {
        @Override
        public LoraSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
