package dev.smallsd.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** File names of generated images: {@code out.png} for one image, {@code out-1.png}, {@code out-2.png}, … for more. */
public final class OutputPaths {
    private OutputPaths() {}

    /**
     * @param output the {@code --output} path
     * @param count number of images (in generation order)
     * @return one path per image: {@code output} itself for a single image, else {@code <stem>-<i><.ext>} numbered
     *     from 1 in the same folder
     */
    public static List<Path> forImages(Path output, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count: " + count + " must be >= 1");
        }
        if (count == 1) {
            return List.of(output);
        }
        String name = output.getFileName().toString();
        String stem = stem(output);
        String ext = name.substring(stem.length());
        List<Path> paths = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            paths.add(output.resolveSibling(stem + "-" + i + ext));
        }
        return List.copyOf(paths);
    }

    /**
     * @param output an output file
     * @return its name without the extension ({@code out} for {@code out.png}; a leading dot is part of the stem)
     */
    public static String stem(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * Checks, before any work, that an image can be written at {@code output}: the nearest existing folder on its path
     * (the writer creates the missing ones) accepts a new file. The probe file is removed at once.
     *
     * @param output the {@code --output} path
     * @throws IllegalArgumentException naming the path and why it cannot be written
     */
    public static void requireWritable(Path output) {
        Path abs = output.toAbsolutePath().normalize();
        Path existing = abs.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new IllegalArgumentException("cannot write " + output + ": " + existing + " is not a folder");
        }
        try {
            Files.delete(Files.createTempFile(existing, ".ssd-write-check", ".tmp"));
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("cannot write " + output + ": folder " + existing
                    + " does not accept new files (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
