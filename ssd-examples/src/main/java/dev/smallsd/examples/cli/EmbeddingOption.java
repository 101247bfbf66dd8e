package dev.smallsd.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * A {@code --embedding path[:token]} value: a textual-inversion file and the token to load it under ({@code null}:
 * the file's default token). When the whole value names an existing file it is the path (so paths containing
 * {@code ':'} work); otherwise the text after the last {@code ':'} is the token.
 *
 * @param file the embedding file
 * @param token the token, or {@code null}
 */
public record EmbeddingOption(Path file, String token) {

    /**
     * @param value the option value
     * @return the parsed value
     * @throws IllegalArgumentException when the value or its token is empty
     */
    public static EmbeddingOption parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("expected path[:token], got an empty value");
        }
        int colon = value.lastIndexOf(':');
        if (colon < 0 || Files.exists(Path.of(value))) {
            return new EmbeddingOption(Path.of(value), null);
        }
        String token = value.substring(colon + 1);
        String file = value.substring(0, colon);
        if (token.isBlank() || file.isEmpty()) {
            throw new IllegalArgumentException("'" + value + "': expected path[:token] with a non-empty path and token");
        }
        return new EmbeddingOption(Path.of(file), token);
    }

    /** picocli converter of {@code --embedding}. */
    static final class Converter implements CommandLine.ITypeConverter<EmbeddingOption> {
        @Override
        public EmbeddingOption convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
