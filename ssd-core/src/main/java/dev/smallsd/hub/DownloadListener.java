package dev.smallsd.hub;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives progress of the files a {@link HubDownloader} transfers. Only files that are actually fetched over the
 * network are reported; files already in the cache are not. Calls come from the thread that called
 * {@link HubDownloader#snapshot}; implementations should return quickly.
 */
public interface DownloadListener {
    /** A listener that ignores every event. */
    DownloadListener NONE = new DownloadListener() {};

    /**
     * A file transfer begins.
     *
     * @param path the file's path in the repository, e.g. {@code unet/diffusion_pytorch_model.safetensors}
     * @param totalBytes its size in bytes, or {@code -1} when the server did not say
     */
    default void onFileStart(String path, long totalBytes) {}

    /**
     * Bytes of the file are on disk. After a resumed transfer {@code bytesDone} starts at the resumed offset, and
     * after a restart from scratch it may go down.
     *
     * @param path the file's path in the repository
     * @param bytesDone bytes written so far
     * @param totalBytes its size in bytes, or {@code -1} when unknown
     */
    default void onProgress(String path, long bytesDone, long totalBytes) {}

    /**
     * The file is complete, verified and in the cache.
     *
     * @param path the file's path in the repository
     */
    default void onFileDone(String path) {}

    /**
     * A listener that logs each file's start and end (and progress every 10%) at INFO level through slf4j logger
     * {@code dev.smallsd.hub.DownloadListener}; it never writes to stdout.
     *
     * @return the listener
     */
    static DownloadListener logging() {
        Logger log = LoggerFactory.getLogger(DownloadListener.class);
        return new DownloadListener() {
            private long nextReport;

            @Override
            public void onFileStart(String path, long totalBytes) {
                nextReport = totalBytes > 0 ? totalBytes / 10 : Long.MAX_VALUE;
                log.info("Downloading {} ({})", path, totalBytes < 0 ? "size unknown" : totalBytes + " bytes");
            }

            @Override
            public void onProgress(String path, long bytesDone, long totalBytes) {
                if (bytesDone >= nextReport && totalBytes > 0) {
                    log.info("{}: {}%", path, bytesDone * 100 / totalBytes);
                    nextReport = bytesDone + totalBytes / 10;
                }
            }

            @Override
            public void onFileDone(String path) {
                log.info("Downloaded {}", path);
            }
        };
    }
}
