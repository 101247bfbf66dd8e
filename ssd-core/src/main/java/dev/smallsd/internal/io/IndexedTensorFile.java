package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * What the two tensor file formats share once their index is validated: the file, the entries by name in file
 * order, and the lookup that names the file when a tensor is missing.
 *
 * @param <E> the format's index entry
 */
abstract class IndexedTensorFile<E extends IndexedTensorFile.Indexed> implements TensorFile {

    /** An index entry: at least the tensor's description. */
    interface Indexed {
        /** @return the tensor's description */
        TensorInfo info();
    }

    private final Path path;
    private final Map<String, E> entries;

    /**
     * @param path the file
     * @param entries the validated index, in file order
     */
    IndexedTensorFile(Path path, Map<String, E> entries) {
        this.path = path;
        this.entries = entries;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    /**
     * @param name a tensor name
     * @return its entry
     * @throws ModelLoadException naming the file when there is no such tensor
     */
    E entry(String name) {
        E e = entries.get(name);
        if (e == null) {
            throw new ModelLoadException(path, "no tensor named '" + name + "'");
        }
        return e;
    }
}
