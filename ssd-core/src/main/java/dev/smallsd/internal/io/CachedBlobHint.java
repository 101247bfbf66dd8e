package dev.smallsd.internal.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.ModelLoadException;
import dev.smallsd.hub.HubDownloader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Names the Hugging Face cache blob behind a weight file that fails to load, and how to get it again.
 *
 * <p>A file of a Hub model is checked against its SHA-256 only while it is downloaded; a blob damaged later loads as
 * it is, and a damaged header, offset table or zip directory fails here. When the failing file lies in a
 * huggingface_hub snapshot ({@code .../models--<ns>--<name>/snapshots/<commit>/...}), the error says which blob it is
 * and how to check and replace it ({@code ssd verify <repo> --delete}, or
 * {@link dev.smallsd.hub.CacheVerifier#verify}); for any other file the error is unchanged.
 */
public final class CachedBlobHint {
    private CachedBlobHint() {}

    /**
     * @param file a weight file
     * @return the advice for a file in a Hub cache snapshot, else empty
     */
    public static Optional<String> hint(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        for (Path dir = abs.getParent(); dir != null; dir = dir.getParent()) {
            Optional<String> repo = HubDownloader.repoIdOfSnapshot(dir);
            if (repo.isPresent()) {
                return Optional.of(advice(abs, repo.get()));
            }
        }
        return Optional.empty();
    }

    private static String advice(Path file, String repo) {
        String blob;
        try {
            blob = Files.isSymbolicLink(file) ? "blob " + file.toRealPath() : "a copy of a blob";
        } catch (IOException e) {
            blob = "a link to a missing blob";
        }
        return "this file is " + blob + " of Hub model '" + repo + "' in the Hugging Face cache, which was verified "
                + "against its SHA-256 when it was downloaded, not since. If it was damaged after the download, "
                + "check and delete damaged blobs with 'ssd verify " + repo + " --delete' (library: new "
                + "CacheVerifier(HubOptions.fromEnvironment()).verify(\"" + repo + "\", true)) and load the model "
                + "again to download them anew";
    }

    /**
     * @param file the file that failed
     * @param e its failure
     * @return {@code e} with the cache advice appended when the file lies in a Hub cache snapshot, else {@code e}
     */
    public static ModelLoadException explain(Path file, ModelLoadException e) {
        Optional<String> hint = hint(file);
        return hint.isEmpty() ? e : new ModelLoadException(null, e.getMessage() + " (" + hint.get() + ")", e);
    }

    /**
     * @param f an open tensor file
     * @return {@code f}, or a view of it whose load failures carry the cache advice when it lies in a Hub cache
     *     snapshot
     */
    static TensorFile explaining(TensorFile f) {
        return hint(f.path()).isEmpty() ? f : new Explaining(f);
    }

    /** A tensor file whose load failures name the cache blob. */
    private record Explaining(TensorFile f) implements TensorFile {
        @Override
        public Path path() {
            return f.path();
        }

        @Override
        public Set<String> names() {
            return f.names();
        }

        @Override
        public TensorInfo info(String name) {
            return f.info(name);
        }

        @Override
        public NDArray load(String name, NDManager manager) {
            try {
                return f.load(name, manager);
            } catch (ModelLoadException e) {
                throw explain(f.path(), e);
            }
        }

        @Override
        public void close() {
            f.close();
        }
    }
}
