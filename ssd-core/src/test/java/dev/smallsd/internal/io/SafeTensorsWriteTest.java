package dev.smallsd.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsWriteTest {

    @Test
    void writtenFilesReadBackIdentically(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("sub/out.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("w", m.arange(6f).reshape(2, 3));
            t.put("h", m.create(new float[] {0.5f, -1f}).toType(DataType.FLOAT16, false));
            t.put("ids", m.create(new long[] {1, 2, 3}));
            t.put("empty", m.zeros(new Shape(0, 4)));
            t.put("scalar", m.create(3f));
            SafeTensors.write(f, t, Map.of("format", "pt"));
            SafeTensors.write(f, t, Map.of("format", "pt")); // replaces an existing file
            try (SafeTensorsFile r = SafeTensors.open(f)) {
                assertThat(r.metadata()).containsExactly(Map.entry("format", "pt"));
                assertThat(r.names()).containsExactly("w", "h", "ids", "empty", "scalar");
                for (Map.Entry<String, NDArray> e : t.entrySet()) {
                    try (NDArray back = r.load(e.getKey(), m)) {
                        assertThat(back.getDataType()).as(e.getKey()).isEqualTo(e.getValue().getDataType());
                        assertThat(back.getShape()).as(e.getKey()).isEqualTo(e.getValue().getShape());
                        assertThat(back.toByteArray()).as(e.getKey()).isEqualTo(e.getValue().toByteArray());
                    }
                }
            }
        }
        try (var s = Files.list(f.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary files left")
                    .containsExactly("out.safetensors");
        }
    }
}
