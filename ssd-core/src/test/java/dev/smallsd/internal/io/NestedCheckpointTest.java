package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TorchCheckpoint#openNested}: dicts of dicts (AUTOMATIC1111 embeddings) under the same restrictions. */
class NestedCheckpointTest {
    @TempDir
    Path dir;

    /** {@code {"string_to_token": {"*": 265}, "string_to_param": {"*": tensor [2, 3]}, "name": "x", "step": 5}}. */
    private static byte[] a1111Pickle() {
        HandMadeFiles.Pickle p = new HandMadeFiles.Pickle().proto(2).op('}').mark();
        p.str("string_to_token").op('}').str("*").integer(265).op('s');
        p.str("string_to_param").op('}').str("*").tensor("FloatStorage", "0", 6, 0, 2, 3).op('s');
        p.str("name").str("x").str("step").integer(5).str("sd_checkpoint").op('N');
        return p.op('u').stop().bytes();
    }

    private Path a1111File() throws Exception {
        return HandMadeFiles.zip(dir.resolve("emb.pt"), Map.of("emb/data.pkl", a1111Pickle(),
                "emb/data/0", HandMadeFiles.f32(1, 2, 3, 4, 5, 6), "emb/version", "3\n".getBytes()));
    }

    @Test
    void listsNestedTensorsByKeyPathAndSkipsPlainValues() throws Exception {
        try (TorchCheckpoint c = TorchCheckpoint.openNested(a1111File()); NDManager m = NDManager.newBaseManager()) {
            assertThat(c.names()).containsExactly("string_to_param.*");
            assertThat(c.load("string_to_param.*", m).toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        }
    }

    @Test
    void flatOpenStillRefusesANonStateDict() throws Exception {
        Path f = a1111File();
        assertThatThrownBy(() -> TorchCheckpoint.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("string_to_token").hasMessageContaining("not a tensor");
    }

    @Test
    void refusesDeepNesting() throws Exception {
        HandMadeFiles.Pickle p = new HandMadeFiles.Pickle().proto(2);
        int depth = TorchCheckpoint.MAX_NESTING + 2;
        for (int i = 0; i < depth; i++) {
            p.op('}').str("k");
        }
        p.integer(1);
        for (int i = 0; i < depth; i++) {
            p.op('s');
        }
        Path f = HandMadeFiles.zip(dir.resolve("deep.pt"), Map.of("deep/data.pkl", p.stop().bytes()));
        assertThatThrownBy(() -> TorchCheckpoint.openNested(f)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("nested more than " + TorchCheckpoint.MAX_NESTING);
    }

    @Test
    void forbiddenGlobalsAreStillRefused() throws Exception {
        HandMadeFiles.Pickle p = new HandMadeFiles.Pickle().proto(2).op('}').str("name")
                .global("os", "system").str("echo").op(0x85).reduce().op('s');
        Path f = HandMadeFiles.zip(dir.resolve("evil.pt"), Map.of("evil/data.pkl", p.stop().bytes()));
        assertThatThrownBy(() -> TorchCheckpoint.openNested(f)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("os");
    }
}
