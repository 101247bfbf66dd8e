package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OutputPathsTest {
    @Test
    void oneImageKeepsTheGivenName() {
        assertThat(OutputPaths.forImages(Path.of("dir/out.png"), 1)).containsExactly(Path.of("dir/out.png"));
    }

    @Test
    void severalImagesAreNumberedFromOneBeforeTheExtension() {
        assertThat(OutputPaths.forImages(Path.of("dir/out.png"), 3))
                .containsExactly(Path.of("dir/out-1.png"), Path.of("dir/out-2.png"), Path.of("dir/out-3.png"));
        assertThat(OutputPaths.forImages(Path.of("a.b.png"), 2)).containsExactly(Path.of("a.b-1.png"),
                Path.of("a.b-2.png"));
        assertThat(OutputPaths.forImages(Path.of("noext"), 2)).containsExactly(Path.of("noext-1"),
                Path.of("noext-2"));
        assertThat(OutputPaths.forImages(Path.of(".hidden"), 2)).containsExactly(Path.of(".hidden-1"),
                Path.of(".hidden-2"));
    }

    @Test
    void zeroImagesIsAnError() {
        assertThatThrownBy(() -> OutputPaths.forImages(Path.of("x.png"), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
