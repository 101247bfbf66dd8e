package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Set;

/**
 * A validated, opened file of named tensors (safetensors or a PyTorch {@code .bin} state dict). Tensors are read on
 * demand, one at a time, so a model can be materialised without holding a second copy of the file in memory.
 */
public interface TensorFile extends AutoCloseable {

    /** @return the file this was opened from */
    Path path();

    /** @return the tensor names, in file order */
    Set<String> names();

    /**
     * @param name a tensor name
     * @return its description
     * @throws ModelLoadException when the file has no such tensor
     */
    TensorInfo info(String name);

    /**
     * Reads one tensor into a new array owned by {@code manager}. The array never aliases the file: it may be
     * modified in place. F16 stays F16 and BF16 is widened to F32 (see {@link DType#loadedAs()}).
     *
     * @param name the tensor name
     * @param manager the owner of the new array
     * @return the array
     */
    NDArray load(String name, NDManager manager);

    /** Releases the file. */
    @Override
    void close();
}
