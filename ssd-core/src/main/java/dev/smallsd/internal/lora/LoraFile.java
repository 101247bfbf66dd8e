package dev.smallsd.internal.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One LoRA file read and checked: its low-rank pairs by component and module, in either naming.
 *
 * <ul>
 *   <li>kohya / sd-scripts: {@code lora_unet_<module with . as _>} and {@code lora_te_<module>}, with
 *       {@code .lora_down.weight}, {@code .lora_up.weight} and {@code .alpha};</li>
 *   <li>diffusers / PEFT: {@code unet.<module>} and {@code text_encoder.<module>} with {@code .lora_A.weight} /
 *       {@code .lora_B.weight}, the older {@code .lora.down/.lora.up.weight} and
 *       {@code .lora_linear_layer.down/up.weight}, and the attention-processor spelling
 *       {@code <attn>.processor.to_q_lora.down.weight} ({@code to_q/k/v}, {@code to_out} → {@code to_out.0}; in the
 *       text encoder {@code self_attn.to_q_lora} → {@code self_attn.q_proj});</li>
 * </ul>
 * A module without alpha uses {@code alpha = rank}. Applying a pair at {@code scale} adds
 * {@code scale · (alpha / rank) · up · down} to the module's weight. Kohya module names are resolved against the
 * model's own parameter names when the LoRA is applied ({@link LoraSet}).
 */
public final class LoraFile {
    /** The model a LoRA module belongs to. */
    public enum Component {
        /** The denoising UNet. */
        UNET,
        /** The CLIP text encoder. */
        TEXT_ENCODER
    }

    /**
     * A LoRA file applied at a scale.
     *
     * @param path the file
     * @param scale the scale
     */
    public record Use(Path path, double scale) {}

    /**
     * One low-rank pair, arrays owned by the manager given to {@link #read}.
     *
     * @param module the module name as written in the file (dotted, or kohya's flattened form when
     *     {@code flattened})
     * @param flattened whether {@code module} is kohya's name with {@code .} replaced by {@code _}
     * @param down {@code [rank, in]} or {@code [rank, in, 1, 1]}
     * @param up {@code [out, rank]} or {@code [out, rank, 1, 1]}
     * @param alpha the alpha ({@code rank} when the file has none)
     * @param keys the file's keys of this pair, for messages
     */
    public record Pair(String module, boolean flattened, NDArray down, NDArray up, double alpha, List<String> keys) {
        /** @return the rank */
        public long rank() {
            return down.getShape().get(0);
        }
    }

    private static final Pattern PROCESSOR = Pattern.compile("^(.*)\\.processor\\.to_(q|k|v|out)_lora\\.(down|up)"
            + "\\.weight$");
    private static final Pattern TE_PROCESSOR = Pattern.compile("^(.*\\.self_attn)\\.to_(q|k|v|out)_lora\\."
            + "(down|up)\\.weight$");
    private static final int SHOWN_KEYS = 5;

    private final Path path;
    private final Map<Component, List<Pair>> pairs;

    private LoraFile(Path path, Map<Component, List<Pair>> pairs) {
        this.path = path;
        this.pairs = pairs;
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /**
     * @param c a component
     * @return its pairs, in file order
     */
    public List<Pair> pairs(Component c) {
        return pairs.getOrDefault(c, List.of());
    }

    private enum Role { DOWN, UP, ALPHA }

    private record Key(Component component, String module, boolean flattened, Role role) {}

    /**
     * Reads and checks a LoRA file; nothing is applied.
     *
     * @param path a {@code .safetensors} (or PyTorch {@code .bin}) LoRA
     * @param manager owner of the pairs' arrays (float32)
     * @return the file's pairs
     * @throws ModelLoadException naming the file and the first offending keys: keys of another format (LyCORIS,
     *     LoCon convolutions, SDXL's second text encoder), pairs without their other half, ranks that disagree
     */
    public static LoraFile read(Path path, NDManager manager) {
        try (TensorFile f = TensorFiles.open(path); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Map<String, NDArray[]> parts = new LinkedHashMap<>();
            Map<String, Key> keyOf = new LinkedHashMap<>();
            Map<String, List<String>> keysOf = new LinkedHashMap<>();
            List<String> unknown = new ArrayList<>();
            for (String name : f.names()) {
                Key k = parse(name);
                if (k == null) {
                    unknown.add(name);
                    continue;
                }
                String id = k.component() + ":" + k.module();
                keyOf.putIfAbsent(id, k);
                keysOf.computeIfAbsent(id, x -> new ArrayList<>()).add(name);
                NDArray[] p = parts.computeIfAbsent(id, x -> new NDArray[3]);
                if (p[k.role().ordinal()] != null) {
                    throw new ModelLoadException(path, "LoRA keys " + keysOf.get(id) + " give module '" + k.module()
                            + "' twice");
                }
                p[k.role().ordinal()] = f.load(name, manager);
            }
            if (!unknown.isEmpty()) {
                throw new ModelLoadException(path, "not a supported LoRA (kohya lora_unet_/lora_te_ or diffusers "
                        + "unet./text_encoder. linear or 1x1 LoRA; LyCORIS/LoCon and other architectures are not "
                        + "supported): " + unknown.size() + " unsupported keys, first " + first(unknown));
            }
            Map<Component, List<Pair>> out = new EnumMap<>(Component.class);
            List<String> broken = new ArrayList<>();
            for (Map.Entry<String, NDArray[]> e : parts.entrySet()) {
                Key k = keyOf.get(e.getKey());
                NDArray[] p = e.getValue();
                List<String> keys = keysOf.get(e.getKey());
                if (p[0] == null || p[1] == null) {
                    broken.add(keys + " (" + (p[0] == null ? "no down/lora_A" : "no up/lora_B") + ")");
                    continue;
                }
                NDArray down = float32(p[0]);
                NDArray up = float32(p[1]);
                long[] d = down.getShape().getShape();
                long[] u = up.getShape().getShape();
                boolean linear = d.length == 2 && u.length == 2;
                boolean conv1 = d.length == 4 && u.length == 4 && d[2] == 1 && d[3] == 1 && u[2] == 1 && u[3] == 1;
                if (!(linear || conv1) || d[0] != u[1] || d[0] <= 0) {
                    broken.add(keys + " (down " + down.getShape() + ", up " + up.getShape()
                            + ": only linear or 1x1 pairs of one rank are supported)");
                    continue;
                }
                double alpha = p[2] == null ? d[0] : p[2].toType(DataType.FLOAT64, false).getDouble();
                out.computeIfAbsent(k.component(), x -> new ArrayList<>())
                        .add(new Pair(k.module(), k.flattened(), keep(down), keep(up), alpha, List.copyOf(keys)));
            }
            if (!broken.isEmpty()) {
                throw new ModelLoadException(path, "unsupported LoRA pairs, first " + first(broken));
            }
            if (out.isEmpty()) {
                throw new ModelLoadException(path, "holds no LoRA pair");
            }
            return new LoraFile(path, out);
        }
    }

    private static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    private static NDArray float32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    static String first(List<String> items) {
        List<String> shown = items.subList(0, Math.min(SHOWN_KEYS, items.size()));
        return shown + (items.size() > SHOWN_KEYS ? " (+" + (items.size() - SHOWN_KEYS) + " more)" : "");
    }

    /** @return the key's component, module and role, or {@code null} when it is not a supported LoRA key */
    private static Key parse(String name) {
        if (name.startsWith("lora_unet_")) {
            return flat(Component.UNET, name.substring("lora_unet_".length()));
        }
        if (name.startsWith("lora_te_")) {
            return flat(Component.TEXT_ENCODER, name.substring("lora_te_".length()));
        }
        if (name.startsWith("unet.")) {
            return dotted(Component.UNET, name.substring("unet.".length()));
        }
        if (name.startsWith("text_encoder.")) {
            return dotted(Component.TEXT_ENCODER, name.substring("text_encoder.".length()));
        }
        if (name.startsWith("down_blocks.") || name.startsWith("mid_block.") || name.startsWith("up_blocks.")) {
            return dotted(Component.UNET, name); // diffusers' early attention-processor files have no prefix
        }
        return null;
    }

    private static Key flat(Component c, String rest) {
        for (String[] s : new String[][] {{".lora_down.weight", "DOWN"}, {".lora_up.weight", "UP"},
                {".alpha", "ALPHA"}}) {
            if (rest.endsWith(s[0])) {
                String module = rest.substring(0, rest.length() - s[0].length());
                return module.isEmpty() || module.contains(".") ? null
                        : new Key(c, module, true, Role.valueOf(s[1]));
            }
        }
        return null;
    }

    private static Key dotted(Component c, String rest) {
        Matcher m = (c == Component.TEXT_ENCODER ? TE_PROCESSOR : PROCESSOR).matcher(rest);
        if (m.matches()) {
            String proj = m.group(2);
            String module = c == Component.TEXT_ENCODER ? m.group(1) + "." + proj + "_proj"
                    : m.group(1) + ".to_" + proj + ("out".equals(proj) ? ".0" : "");
            return new Key(c, module, false, "down".equals(m.group(3)) ? Role.DOWN : Role.UP);
        }
        String[][] suffixes = {{".lora_A.weight", "DOWN"}, {".lora_B.weight", "UP"}, {".lora.down.weight", "DOWN"},
            {".lora.up.weight", "UP"}, {".lora_linear_layer.down.weight", "DOWN"},
            {".lora_linear_layer.up.weight", "UP"}, {".alpha", "ALPHA"}};
        for (String[] s : suffixes) {
            if (rest.endsWith(s[0])) {
                String module = rest.substring(0, rest.length() - s[0].length());
                return module.isEmpty() ? null : new Key(c, module, false, Role.valueOf(s[1]));
            }
        }
        return null;
    }
}
