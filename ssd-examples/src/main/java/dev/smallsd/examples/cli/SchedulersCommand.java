package dev.smallsd.examples.cli;

import dev.smallsd.schedulers.SchedulerType;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ssd schedulers}: lists the names {@code --scheduler} takes, with the diffusers class each one is. */
@Command(name = "schedulers", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the schedulers --scheduler accepts, with the diffusers class (and config overrides) of each."
                + " Without --scheduler, generate uses the model's own scheduler_config.json.")
public final class SchedulersCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Creates the command (picocli instantiates it). */
    public SchedulersCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int nameWidth = "NAME".length();
        int classWidth = "DIFFUSERS CLASS".length();
        for (SchedulerType t : SchedulerType.values()) {
            nameWidth = Math.max(nameWidth, t.userName().length());
            classWidth = Math.max(classWidth, t.className().length());
        }
        String format = "%-" + nameWidth + "s  %-" + classWidth + "s  %s";
        out.println(String.format(format, "NAME", "DIFFUSERS CLASS", "CONFIG OVERRIDES").stripTrailing());
        for (SchedulerType t : SchedulerType.values()) {
            out.println(String.format(format, t.userName(), t.className(), overrides(t.overrides())).stripTrailing());
        }
        out.flush();
        return SsdCommand.EXIT_OK;
    }

    private static String overrides(Map<String, Object> overrides) {
        return overrides.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
