package dev.smallsd.examples.cli;

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
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        List<Path> paths = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            paths.add(output.resolveSibling(stem + "-" + i + ext));
        }
        return List.copyOf(paths);
    }
}
