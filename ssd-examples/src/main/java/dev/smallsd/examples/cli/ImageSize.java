package dev.smallsd.examples.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image size given as {@code WIDTHxHEIGHT} in pixels, e.g. {@code 512x512}; both must be positive multiples of 8
 * (the VAE's spatial factor).
 *
 * @param width width in pixels
 * @param height height in pixels
 */
public record ImageSize(int width, int height) {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,6})\\s*[xX×]\\s*(\\d{1,6})");

    /** Checks both sides. */
    public ImageSize {
        if (width <= 0 || height <= 0 || width % 8 != 0 || height % 8 != 0) {
            throw new IllegalArgumentException(width + "x" + height
                    + ": width and height must be positive multiples of 8");
        }
    }

    /**
     * Parses {@code WIDTHxHEIGHT}.
     *
     * @param text the text
     * @return the size
     * @throws IllegalArgumentException when the text is not of that form or a side is not a positive multiple of 8
     */
    public static ImageSize parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not WIDTHxHEIGHT (e.g. 512x512)");
        }
        return new ImageSize(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%d", width, height);
    }
}
