package dev.smallsd.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code ssd --version}: this tool's version, the DJL and libtorch versions it was built with, and the JVM. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    private static final String RESOURCE = "ssd-version.properties";

    /** Creates the provider (picocli instantiates it). */
    public VersionProvider() {}

    /** @return the build's version properties ({@code version}, {@code djl}, {@code libtorch}) */
    public static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // leave it empty: the version lines then say "unknown"
        }
        return p;
    }

    @Override
    public String[] getVersion() {
        Properties p = buildInfo();
        return new String[] {
            "ssd " + p.getProperty("version", "unknown"),
            "DJL " + p.getProperty("djl", "unknown") + ", libtorch " + p.getProperty("libtorch", "unknown") + " (CPU)",
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        };
    }
}
