package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a weight file by its extension: {@code .safetensors} or a PyTorch {@code .bin}/{@code .pt}/{@code .pth}. A
 * file of a Hub cache snapshot that fails to open or load names its cache blob and how to replace it
 * ({@link CachedBlobHint}).
 */
public final class TensorFiles {
    private TensorFiles() {}

    /**
     * @param file a weight file
     * @return the open, validated tensor file; close it when done
     * @throws ModelLoadException when the file is unreadable, malformed or of an unknown kind
     */
    public static TensorFile open(Path file) {
        try {
            return CachedBlobHint.explaining(openByType(file));
        } catch (ModelLoadException e) {
            throw CachedBlobHint.explain(file, e);
        }
    }

    private static TensorFile openByType(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return SafeTensors.open(file);
        }
        if (name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth")) {
            return TorchCheckpoint.open(file);
        }
        throw new ModelLoadException(file, "unknown weight file type (expected .safetensors, .bin, .pt or .pth)");
    }
}
