package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Minimal safetensors reader for the test fixtures: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Supports F32, F64 and I64.
 */
final class SafeTensorsFile {

    /** One stored tensor. */
    record Tensor(String name, String dtype, long[] shape, ByteBuffer data) {

        int size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }

        /** Values widened to double, whatever the stored dtype. */
        double[] toDoubles() {
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            double[] out = new double[size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (dtype) {
                    case "F32" -> b.getFloat(i * 4);
                    case "F64" -> b.getDouble(i * 8);
                    case "I64" -> b.getLong(i * 8);
                    default -> throw new IllegalStateException("unsupported dtype " + dtype);
                };
            }
            return out;
        }

        float[] toFloats() {
            if (!"F32".equals(dtype)) {
                throw new IllegalStateException(name + " is " + dtype + ", not F32");
            }
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[size()];
            b.asFloatBuffer().get(out);
            return out;
        }

        /** Element {@code i} along the first axis as a float32 array of the remaining shape. */
        NDArray slice(int i, NDManager manager) {
            long[] rest = Arrays.copyOfRange(shape, 1, shape.length);
            int n = size() / (int) shape[0];
            float[] all = toFloats();
            return manager.create(Arrays.copyOfRange(all, i * n, (i + 1) * n), new Shape(rest));
        }

        NDArray toNDArray(NDManager manager) {
            return manager.create(toFloats(), new Shape(shape));
        }

        int firstDim() {
            return (int) shape[0];
        }
    }

    private final Map<String, Tensor> tensors;

    private SafeTensorsFile(Map<String, Tensor> tensors) {
        this.tensors = tensors;
    }

    static SafeTensorsFile read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        String header = new String(all, 8, (int) headerLen, StandardCharsets.UTF_8);
        JsonObject json = JsonParser.parseString(header).getAsJsonObject();
        int base = 8 + (int) headerLen;
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            long[] shape = new long[t.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
            }
            long start = t.getAsJsonArray("data_offsets").get(0).getAsLong();
            long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
            ByteBuffer slice = ByteBuffer.wrap(all, base + (int) start, (int) (end - start)).slice();
            map.put(e.getKey(), new Tensor(e.getKey(), t.get("dtype").getAsString(), shape, slice));
        }
        return new SafeTensorsFile(map);
    }

    boolean has(String name) {
        return tensors.containsKey(name);
    }

    Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in fixture; have " + tensors.keySet());
        }
        return t;
    }

    Set<String> names() {
        return tensors.keySet();
    }
}
