package dev.smallsd.testing;

import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Groups a golden case's tensors into sub-cases by their name prefix ({@code c0_sample} → {@code c0}). */
public final class SubCases {
    private SubCases() {}

    /**
     * @param caseEntry a manifest case entry (with {@code tensors})
     * @return sub-case prefix → the tensor names without prefix (e.g. {@code sample}), in manifest order
     */
    public static Map<String, Set<String>> of(JsonObject caseEntry) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String name : caseEntry.getAsJsonObject("tensors").keySet()) {
            int us = name.indexOf('_');
            if (us <= 0) {
                continue;
            }
            out.computeIfAbsent(name.substring(0, us), k -> new LinkedHashSet<>()).add(name.substring(us + 1));
        }
        return out;
    }
}
