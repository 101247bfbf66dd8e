package dev.smallsd.examples.cli;

import dev.smallsd.GenerationRequest;
import dev.smallsd.PreviewMode;
import dev.smallsd.ProgressListener;
import dev.smallsd.StepProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The preview PNGs of one {@code ssd generate} run: written as the previews arrive
 * ({@code <dir>/<stem>-<call>.png}, {@code <stem>-<call>-<i>.png} for several images, the call zero-padded), and
 * removed again on {@link #close} unless the run succeeded ({@link #keep}), so a failed run leaves no file behind.
 */
final class PreviewFiles implements AutoCloseable {
    private final int every;
    private final PreviewMode mode;
    private final Path dir;
    private final String stem;
    private final List<Path> written = new ArrayList<>();
    private boolean keep;

    /**
     * @param every a preview every this many model calls (0 = none)
     * @param mode how previews are made
     * @param dir their folder (null when none)
     * @param stem the file-name stem
     */
    PreviewFiles(int every, PreviewMode mode, Path dir, String stem) {
        this.every = every;
        this.mode = mode;
        this.dir = dir;
        this.stem = stem;
    }

    /**
     * @param rb the request builder
     * @param progress the command's own progress listener
     * @return {@code rb}, whose progress listener also saves the previews
     */
    GenerationRequest.Builder progress(GenerationRequest.Builder rb, ProgressListener progress) {
        if (every == 0) {
            return rb.progress(progress);
        }
        return rb.progress(p -> {
            progress.onProgress(p);
            save(p);
        }, every, mode);
    }

    private void save(StepProgress p) {
        if (p.previews().isEmpty()) {
            return;
        }
        String call = String.format("%0" + String.valueOf(p.totalModelCalls()).length() + "d", p.modelCall());
        List<Path> files = OutputPaths.forImages(dir.resolve(stem + "-" + call + ".png"), p.previews().size());
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            try {
                Files.createDirectories(dir);
                written.add(f);
                ImageIO.write(p.previews().get(i), "png", f.toFile());
            } catch (IOException | RuntimeException e) {
                throw new CliException(SsdCommand.EXIT_FAILURE, "cannot write preview " + f + ": "
                        + SsdCommand.describe(e), e);
            }
        }
    }

    /** @return the preview files written so far */
    List<Path> written() {
        return List.copyOf(written);
    }

    /** Keeps the previews: the run succeeded. */
    void keep() {
        keep = true;
    }

    /** Removes the previews written unless {@link #keep} was called. */
    @Override
    public void close() throws IOException {
        if (!keep) {
            for (Path f : written) {
                Files.deleteIfExists(f);
            }
        }
    }
}
