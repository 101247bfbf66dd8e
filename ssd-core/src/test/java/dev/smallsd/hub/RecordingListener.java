package dev.smallsd.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link DownloadListener} that remembers what it was told. */
final class RecordingListener implements DownloadListener {
    final List<String> started = new ArrayList<>();
    final List<String> done = new ArrayList<>();
    final Map<String, Long> totals = new ConcurrentHashMap<>();
    final Map<String, Long> lastProgress = new ConcurrentHashMap<>();

    @Override
    public synchronized void onFileStart(String path, long totalBytes) {
        started.add(path);
        totals.put(path, totalBytes);
    }

    @Override
    public synchronized void onProgress(String path, long bytesDone, long totalBytes) {
        lastProgress.put(path, bytesDone);
    }

    @Override
    public synchronized void onFileDone(String path) {
        done.add(path);
    }
}
