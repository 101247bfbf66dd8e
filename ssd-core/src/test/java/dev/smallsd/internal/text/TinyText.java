package dev.smallsd.internal.text;

import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.testing.Golden;

/** The tiny pipeline's tokenizer and text encoder, for the text tests; close it to free both. */
final class TinyText implements AutoCloseable {
    final NDManager manager = NDManager.newBaseManager();
    final ClipTokenizer tokenizer;
    final ClipTextModel textModel;

    TinyText() {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        tokenizer = ClipTokenizer.fromFolder(dir.componentDir(ModelDirectory.TOKENIZER));
        textModel = ClipTextModel.load(dir, null, manager);
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
