package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps tensor names of a weight file to the parameter names of the current diffusers/transformers modules, and checks
 * that a file provides exactly the parameters a model asks for. Pure functions, no I/O.
 *
 * <ul>
 *   <li>Legacy VAE attention names (diffusers before 0.14, still in many {@code .bin} files):
 *       {@code *.mid_block.attentions.N.query|key|value|proj_attn.weight|bias} become
 *       {@code to_q|to_k|to_v|to_out.0}; the tensors are identical.</li>
 *   <li>{@code *position_ids} buffers (int64 index tables of old transformers checkpoints) are ignorable: models
 *       compute them.</li>
 * </ul>
 */
public final class CheckpointKeys {
    private static final Pattern LEGACY_ATTENTION =
            Pattern.compile("^(.*\\.)?(mid_block\\.attentions\\.\\d+\\.)(query|key|value|proj_attn)\\.(weight|bias)$");
    private static final Map<String, String> LEGACY_NAMES = Map.of(
            "query", "to_q", "key", "to_k", "value", "to_v", "proj_attn", "to_out.0");
    private static final int MAX_LISTED = 200;

    private CheckpointKeys() {}

    /**
     * @param fileKey a tensor name as stored in a weight file
     * @return the current parameter name (the same string when no rename applies)
     */
    public static String canonicalName(String fileKey) {
        Matcher m = LEGACY_ATTENTION.matcher(fileKey);
        if (!m.matches()) {
            return fileKey;
        }
        String prefix = m.group(1) == null ? "" : m.group(1);
        return prefix + m.group(2) + LEGACY_NAMES.get(m.group(3)) + "." + m.group(4);
    }

    /**
     * @param fileKey a tensor name as stored in a weight file
     * @return whether a model loader skips it (a {@code position_ids} buffer)
     */
    public static boolean isIgnorable(String fileKey) {
        return fileKey.equals("position_ids") || fileKey.endsWith(".position_ids");
    }

    /**
     * Indexes the tensors of a file by canonical name, leaving out ignorable ones.
     *
     * @param file the weight file (for its path in errors)
     * @return canonical name to the name stored in the file, in file order
     * @throws ModelLoadException when two stored names map to the same parameter (e.g. both {@code query} and
     *     {@code to_q})
     */
    public static Map<String, String> canonicalIndex(TensorFile file) {
        return canonicalIndex(file.path(), file.names());
    }

    /**
     * Indexes tensor names by canonical name, leaving out ignorable ones.
     *
     * @param file the file the names come from, named in errors
     * @param fileKeys the stored names
     * @return canonical name to stored name, in the given order (unmodifiable)
     * @throws ModelLoadException when two stored names map to the same parameter
     */
    public static Map<String, String> canonicalIndex(Path file, Collection<String> fileKeys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : fileKeys) {
            if (isIgnorable(k)) {
                continue;
            }
            String c = canonicalName(k);
            String prev = out.putIfAbsent(c, k);
            if (prev != null) {
                throw new ModelLoadException(file, "tensors '" + prev + "' and '" + k + "' both provide parameter '"
                        + c + "'");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The difference between the parameters a model requests and those a file provides.
     *
     * @param missing requested but not provided, sorted
     * @param unexpected provided but not requested, sorted
     */
    public record Mismatch(List<String> missing, List<String> unexpected) {
        /** Copies the lists. */
        public Mismatch {
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
        }

        /** @return whether the two sets are equal */
        public boolean isEmpty() {
            return missing.isEmpty() && unexpected.isEmpty();
        }
    }

    /**
     * @param requested the parameter names a model asks for
     * @param provided the canonical names a file provides (e.g. the keys of {@link #canonicalIndex})
     * @return the missing and unexpected names
     */
    public static Mismatch compare(Collection<String> requested, Collection<String> provided) {
        Set<String> req = new LinkedHashSet<>(requested);
        Set<String> prov = new LinkedHashSet<>(provided);
        List<String> missing = new ArrayList<>(new TreeSet<>(minus(req, prov)));
        List<String> unexpected = new ArrayList<>(new TreeSet<>(minus(prov, req)));
        return new Mismatch(missing, unexpected);
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new LinkedHashSet<>(a);
        out.removeAll(b);
        return out;
    }

    /**
     * Strict loading check: fails unless the file provides exactly the requested parameters.
     *
     * @param file the weight file, named in the error
     * @param requested the parameter names a model asks for
     * @param provided the canonical names the file provides
     * @throws ModelLoadException listing every missing and unexpected name (up to 200 of each) in one message
     */
    public static void requireExactly(Path file, Collection<String> requested, Collection<String> provided) {
        Mismatch m = compare(requested, provided);
        if (m.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("weights do not match the model: ");
        sb.append(m.missing().size()).append(" missing, ").append(m.unexpected().size()).append(" unexpected");
        if (!m.missing().isEmpty()) {
            sb.append("; missing: ").append(listed(m.missing()));
        }
        if (!m.unexpected().isEmpty()) {
            sb.append("; unexpected: ").append(listed(m.unexpected()));
        }
        throw new ModelLoadException(file, sb.toString());
    }

    private static String listed(List<String> names) {
        if (names.size() <= MAX_LISTED) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, MAX_LISTED)) + ", ... and " + (names.size() - MAX_LISTED) + " more";
    }
}
