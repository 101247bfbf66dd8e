package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HubOptions#fromEnvironment(Map, Path)} resolves variables as huggingface_hub does. */
class HubOptionsTest {
    @TempDir
    Path home;

    @Test
    void defaultsUseThePublicHubAndTheHomeCache() {
        HubOptions o = HubOptions.fromEnvironment(Map.of(), home);

        assertThat(o.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(o.cacheDir()).isEqualTo(home.resolve(".cache/huggingface/hub").toAbsolutePath());
        assertThat(o.token()).isNull();
        assertThat(o.offline()).isFalse();
        assertThat(o.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.downloadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.maxAttempts()).isEqualTo(5);
        assertThat(o.symlinks()).isTrue();
    }

    @Test
    void hubCacheBeatsHfHomeWhichBeatsXdgCacheHome() {
        Path xdg = home.resolve("xdg");
        Path hfHome = home.resolve("hf");
        Path hubCache = home.resolve("elsewhere");

        assertThat(HubOptions.fromEnvironment(Map.of("XDG_CACHE_HOME", xdg.toString()), home).cacheDir())
                .isEqualTo(xdg.resolve("huggingface/hub"));
        assertThat(HubOptions.fromEnvironment(Map.of("XDG_CACHE_HOME", xdg.toString(), "HF_HOME", hfHome.toString()),
                home).cacheDir()).isEqualTo(hfHome.resolve("hub"));
        assertThat(HubOptions.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HF_HUB_CACHE",
                hubCache.toString()), home).cacheDir()).isEqualTo(hubCache);
        assertThat(HubOptions.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", hubCache.toString()), home).cacheDir())
                .isEqualTo(hubCache);
        assertThat(HubOptions.fromEnvironment(Map.of("HF_HOME", "~/hf"), home).cacheDir())
                .isEqualTo(home.resolve("hf/hub"));
    }

    @Test
    void endpointLosesItsTrailingSlash() {
        HubOptions o = HubOptions.fromEnvironment(Map.of("HF_ENDPOINT", "http://mirror.example:8080/hf/"), home);

        assertThat(o.endpoint()).isEqualTo(URI.create("http://mirror.example:8080/hf"));
        assertThatThrownBy(() -> HubOptions.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x"), home))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HF_ENDPOINT");
    }

    @Test
    void tokenFromVariableThenLegacyVariableThenTokenFile() throws IOException {
        Path hfHome = Files.createDirectories(home.resolve("hf"));
        Files.writeString(hfHome.resolve("token"), "hf_from_file\n");
        Map<String, String> base = Map.of("HF_HOME", hfHome.toString());

        assertThat(HubOptions.fromEnvironment(base, home).token()).isEqualTo("hf_from_file");
        assertThat(HubOptions.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HUGGING_FACE_HUB_TOKEN",
                "hf_legacy"), home).token()).isEqualTo("hf_legacy");
        assertThat(HubOptions.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HUGGING_FACE_HUB_TOKEN",
                "hf_legacy", "HF_TOKEN", " hf_env "), home).token()).isEqualTo("hf_env");
        Path other = Files.writeString(home.resolve("my-token"), "hf_path");
        assertThat(HubOptions.fromEnvironment(Map.of("HF_TOKEN_PATH", other.toString()), home).token())
                .isEqualTo("hf_path");
    }

    @Test
    void tokenNeverAppearsInToString() {
        HubOptions o = HubOptions.fromEnvironment(Map.of("HF_TOKEN", "hf_very_secret"), home);

        assertThat(o.toString()).doesNotContain("hf_very_secret").contains("token=***");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "TRUE", "yes", "On"})
    void offlineTrueValues(String value) {
        assertThat(HubOptions.fromEnvironment(Map.of("HF_HUB_OFFLINE", value), home).offline()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "false", "no", "off", " "})
    void offlineFalseValues(String value) {
        assertThat(HubOptions.fromEnvironment(Map.of("HF_HUB_OFFLINE", value), home).offline()).isFalse();
    }

    @Test
    void legacyTransformersOfflineCountsWhenHfHubOfflineIsUnset() {
        assertThat(HubOptions.fromEnvironment(Map.of("TRANSFORMERS_OFFLINE", "1"), home).offline()).isTrue();
        assertThat(HubOptions.fromEnvironment(Map.of("TRANSFORMERS_OFFLINE", "1", "HF_HUB_OFFLINE", "0"), home)
                .offline()).isFalse();
    }

    @Test
    void timeoutsAreSecondsAndBadValuesNameTheVariable() {
        HubOptions o = HubOptions.fromEnvironment(Map.of("HF_HUB_ETAG_TIMEOUT", "2.5", "HF_HUB_DOWNLOAD_TIMEOUT",
                "30"), home);

        assertThat(o.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(o.downloadTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> HubOptions.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon"), home))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HF_HUB_DOWNLOAD_TIMEOUT");
    }

    @Test
    void withersReplaceOneValue() {
        HubOptions o = HubOptions.fromEnvironment(Map.of(), home).withOffline(true).withToken("t")
                .withRetries(2, Duration.ZERO).withSymlinks(false);

        assertThat(o.offline()).isTrue();
        assertThat(o.token()).isEqualTo("t");
        assertThat(o.maxAttempts()).isEqualTo(2);
        assertThat(o.symlinks()).isFalse();
        assertThat(o.withToken("  ").token()).isNull();
        assertThatThrownBy(() -> o.withRetries(0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
