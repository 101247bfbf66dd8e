package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Header and origin rules of {@link HubHttp}. */
class HubHttpTest {
    @Test
    void etagsLoseWeakPrefixAndQuotes() {
        assertThat(HubHttp.normalizeEtag("W/\"abc\"")).isEqualTo("abc");
        assertThat(HubHttp.normalizeEtag(" \"abc\" ")).isEqualTo("abc");
        assertThat(HubHttp.normalizeEtag("abc")).isEqualTo("abc");
    }

    @Test
    void sameOriginComparesSchemeHostAndEffectivePort() {
        URI hub = URI.create("https://huggingface.co");
        assertThat(HubHttp.sameOrigin(URI.create("https://huggingface.co/api/models/x"), hub)).isTrue();
        assertThat(HubHttp.sameOrigin(URI.create("https://HuggingFace.co:443/x"), hub)).isTrue();
        assertThat(HubHttp.sameOrigin(URI.create("https://cdn-lfs.huggingface.co/x"), hub)).isFalse();
        assertThat(HubHttp.sameOrigin(URI.create("http://huggingface.co/x"), hub)).isFalse();
        assertThat(HubHttp.sameOrigin(URI.create("https://huggingface.co:8443/x"), hub)).isFalse();
    }
}
