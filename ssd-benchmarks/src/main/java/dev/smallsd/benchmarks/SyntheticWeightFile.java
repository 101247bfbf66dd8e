package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A large float32 safetensors file for load benchmarks, shaped like a Stable Diffusion UNet checkpoint: repeated
 * groups of one ResNet block (GroupNorms, two 3x3 convolutions, time-embedding projection) and one Transformer2D
 * block (1x1 projections, self- and cross-attention with context width 768, GEGLU feed-forward) at the channel
 * widths 320, 640, 1280, 1280, 640, 320, ..., cut at the first tensor where the data reaches the requested size.
 * So the file has hundreds of tensors, from 1.25 KiB biases to 56 MiB convolutions, as the real UNet has, without
 * needing the UNet code; it is not the UNet's exact key list.
 *
 * <p>The values are random floats, but to keep the writer's memory small every tensor is a view of one shared
 * 128 MiB random block at a tensor-dependent offset (so the data repeats across tensors; reading it costs the
 * same).
 */
public final class SyntheticWeightFile {
    /** One tensor of the file. */
    public record Tensor(String name, long[] shape) {
        /** @return the number of bytes of its float32 data */
        public long bytes() {
            return new Shape(shape).size() * Float.BYTES;
        }
    }

    private static final int[] WIDTHS = {320, 640, 1280, 1280, 640, 320};
    private static final int CONTEXT = 768;
    private static final int TIME_EMBED = 1280;
    private static final int BLOCK_BYTES = 128 << 20;

    private SyntheticWeightFile() {}

    /**
     * The tensor list of a file of at least {@code minBytes} bytes of data.
     *
     * @param minBytes the least data size in bytes
     * @return the tensors in file order
     */
    public static List<Tensor> layout(long minBytes) {
        List<Tensor> out = new ArrayList<>();
        long total = 0;
        for (int group = 0; total < minBytes; group++) {
            int c = WIDTHS[group % WIDTHS.length];
            List<Tensor> g = new ArrayList<>();
            String r = "blocks." + group + ".resnets.0.";
            vector(g, r + "norm1", c, true);
            conv(g, r + "conv1", c, c, 3);
            linear(g, r + "time_emb_proj", TIME_EMBED, c, true);
            vector(g, r + "norm2", c, true);
            conv(g, r + "conv2", c, c, 3);
            String a = "blocks." + group + ".attentions.0.";
            vector(g, a + "norm", c, true);
            conv(g, a + "proj_in", c, c, 1);
            String t = a + "transformer_blocks.0.";
            vector(g, t + "norm1", c, true);
            attention(g, t + "attn1.", c, c);
            vector(g, t + "norm2", c, true);
            attention(g, t + "attn2.", c, CONTEXT);
            vector(g, t + "norm3", c, true);
            linear(g, t + "ff.net.0.proj", c, 8 * c, true);
            linear(g, t + "ff.net.2", 4 * c, c, true);
            conv(g, a + "proj_out", c, c, 1);
            for (Tensor x : g) {
                if (total >= minBytes) {
                    break;
                }
                out.add(x);
                total += x.bytes();
            }
        }
        return out;
    }

    private static void vector(List<Tensor> g, String name, int c, boolean withBias) {
        g.add(new Tensor(name + ".weight", new long[] {c}));
        if (withBias) {
            g.add(new Tensor(name + ".bias", new long[] {c}));
        }
    }

    private static void conv(List<Tensor> g, String name, int in, int out, int k) {
        g.add(new Tensor(name + ".weight", new long[] {out, in, k, k}));
        g.add(new Tensor(name + ".bias", new long[] {out}));
    }

    private static void linear(List<Tensor> g, String name, int in, int out, boolean withBias) {
        g.add(new Tensor(name + ".weight", new long[] {out, in}));
        if (withBias) {
            g.add(new Tensor(name + ".bias", new long[] {out}));
        }
    }

    private static void attention(List<Tensor> g, String prefix, int c, int kvIn) {
        linear(g, prefix + "to_q", c, c, false);
        linear(g, prefix + "to_k", kvIn, c, false);
        linear(g, prefix + "to_v", kvIn, c, false);
        linear(g, prefix + "to_out.0", c, c, true);
    }

    /**
     * Writes the file with {@link SafeTensors#write}.
     *
     * @param file the destination
     * @param minBytes the least data size in bytes
     * @param seed the seed of the random block
     * @return the tensors written
     * @throws IOException when writing fails
     */
    public static List<Tensor> write(Path file, long minBytes, long seed) throws IOException {
        List<Tensor> tensors = layout(minBytes);
        long largest = tensors.stream().mapToLong(Tensor::bytes).max().orElse(0);
        int blockBytes = (int) Math.min(BLOCK_BYTES, Math.max(largest, 1 << 20));
        ByteBuffer block = ByteBuffer.allocateDirect(blockBytes).order(ByteOrder.nativeOrder());
        SplittableRandom rnd = new SplittableRandom(seed);
        while (block.remaining() >= Float.BYTES) {
            block.putFloat((float) ((rnd.nextDouble() * 2 - 1) * 0.05));
        }
        try (NDManager manager = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE)) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                int len = (int) t.bytes();
                // a tensor-dependent, float-aligned offset that keeps [offset, offset + len) inside the block
                long span = blockBytes - len;
                int offset = (int) (((i * 2_654_435_761L) % (span / Float.BYTES + 1)) * Float.BYTES);
                ByteBuffer view = block.duplicate().position(offset).limit(offset + len).slice()
                        .order(ByteOrder.nativeOrder());
                arrays.put(t.name(), manager.create(view, new Shape(t.shape()), DataType.FLOAT32));
            }
            SafeTensors.write(file, arrays, Map.of("format", "pt", "generator", "dev.smallsd.benchmarks"));
        }
        return tensors;
    }
}
