package io.sightline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated cameras for the cluster tests and benchmark: each captures a frame every 1/fps s and posts it as a
 * JPEG with the metadata headers of a Sightline sender to its address (an ingest node, or a Service in front of
 * several), in segments of {@code framesPerSegment} frames, one request at a time on a kept-alive connection
 * (blocking HTTP/1.1: a fraction of the CPU of an asynchronous client, which matters on two shared cores). A
 * frame that is not acknowledged (connection refused or reset, timeout, 5xx, 429) is sent again after a short
 * pause, as a sender's retries and spool would, until it is; every acknowledgement is recorded with its latency.
 */
final class CameraLoad implements AutoCloseable {

    /** A frame acknowledged: when it was captured and how long after capture its 2xx came. */
    record Acked(String device, long frame, long captureTime, long ackMillis) {
    }

    private record Captured(long frame, long captureTime) {
    }

    private final List<String> urls;
    private final int cameras;
    private final int fps;
    private final int framesPerSegment;
    private final byte[] jpeg;
    private final String prefix;
    private final String stream;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Thread> senders = new ArrayList<>();
    private final Map<String, LinkedBlockingQueue<Captured>> queues = new ConcurrentHashMap<>();
    private final Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Acked> acks = new ConcurrentLinkedQueue<>();
    private final AtomicLong retries = new AtomicLong();
    private final Map<String, AtomicLong> retryReasons = new ConcurrentHashMap<>();
    private final Map<String, Long> framesCaptured = new ConcurrentHashMap<>();
    private volatile boolean capturing;
    private volatile boolean closed;

    CameraLoad(String baseUrl, String prefix, int cameras, int fps, int framesPerSegment, byte[] jpeg) {
        this(List.of(baseUrl), prefix, cameras, fps, framesPerSegment, jpeg);
    }

    /** Camera {@code c} sends to {@code baseUrls[c % n]} (cameras spread over ingest nodes, each at one address). */
    CameraLoad(List<String> baseUrls, String prefix, int cameras, int fps, int framesPerSegment, byte[] jpeg) {
        this.urls = baseUrls.stream().map(u -> u + "/api/v1/frames").toList();
        this.prefix = prefix;
        this.cameras = cameras;
        this.fps = fps;
        this.framesPerSegment = framesPerSegment;
        this.jpeg = jpeg;
        this.stream = "load-" + Long.toString(System.currentTimeMillis(), 36);
    }

    String device(int camera) {
        return prefix + "-" + camera;
    }

    List<String> devices() {
        List<String> devices = new ArrayList<>();
        for (int c = 0; c < cameras; c++) {
            devices.add(device(c));
        }
        return devices;
    }

    String stream() {
        return stream;
    }

    /** Starts capturing: every camera a frame each 1/fps s, spread over the interval, and its sending thread. */
    CameraLoad start() {
        capturing = true;
        long period = 1_000_000 / fps;
        for (int c = 0; c < cameras; c++) {
            String device = device(c);
            String url = urls.get(c % urls.size());
            LinkedBlockingQueue<Captured> queue = new LinkedBlockingQueue<>();
            queues.put(device, queue);
            AtomicLong next = new AtomicLong();
            timer.scheduleAtFixedRate(() -> {
                if (capturing) {
                    long frame = next.getAndIncrement();
                    framesCaptured.put(device, frame + 1);
                    queue.add(new Captured(frame, System.currentTimeMillis()));
                }
            }, c * period / cameras, period, TimeUnit.MICROSECONDS);
            Thread sender = new Thread(() -> sendAll(url, device, queue), "camera-" + device);
            sender.setDaemon(true);
            sender.start();
            senders.add(sender);
        }
        return this;
    }

    /** Stops capturing; frames already captured are still sent until acknowledged. */
    void stopCapture() {
        capturing = false;
    }

    private void sendAll(String url, String device, LinkedBlockingQueue<Captured> queue) {
        try {
            while (!closed) {
                Captured frame = queue.poll(100, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    continue;
                }
                while (!closed && !send(url, device, frame)) {
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    /** One POST of the frame; whether it was acknowledged. */
    private boolean send(String url, String device, Captured frame) {
        long segment = frame.frame() / framesPerSegment;
        Map<String, String> headers = Harness.frameHeaders(device, stream, frame.frame(), frame.captureTime(),
                String.format("%s-%06d", stream, segment), frame.frame() % framesPerSegment == framesPerSegment - 1);
        headers.put("Sightline-Segment-First", String.valueOf(segment * framesPerSegment));
        String reason;
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
            http.setRequestMethod("POST");
            http.setDoOutput(true);
            http.setConnectTimeout(2000);
            http.setReadTimeout(10_000);
            http.setFixedLengthStreamingMode(jpeg.length);
            headers.forEach(http::setRequestProperty);
            try (OutputStream out = http.getOutputStream()) {
                out.write(jpeg);
            }
            int status = http.getResponseCode();
            try (InputStream in = status < 400 ? http.getInputStream() : http.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes(); // read to the end: the connection is kept for the next frame
                }
            }
            if (status / 100 == 2) {
                acknowledged.computeIfAbsent(device, d -> ConcurrentHashMap.newKeySet()).add(frame.frame());
                acks.add(new Acked(device, frame.frame(), frame.captureTime(), System.currentTimeMillis() - frame.captureTime()));
                return true;
            }
            reason = String.valueOf(status);
        } catch (IOException e) {
            reason = e.getClass().getSimpleName();
        }
        retries.incrementAndGet();
        retryReasons.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        return false;
    }

    /** Frames captured per device so far (numbers 0 to n-1). */
    long captured(String device) {
        return framesCaptured.getOrDefault(device, 0L);
    }

    long capturedTotal() {
        return framesCaptured.values().stream().mapToLong(Long::longValue).sum();
    }

    Set<Long> acknowledged(String device) {
        return acknowledged.getOrDefault(device, Set.of());
    }

    long acknowledgedTotal() {
        return acknowledged.values().stream().mapToLong(Set::size).sum();
    }

    /** Every frame captured so far is acknowledged. */
    boolean allAcknowledged() {
        return devices().stream().allMatch(d -> acknowledged(d).size() == captured(d));
    }

    List<Acked> acks() {
        return new ArrayList<>(acks);
    }

    /** The {@code p}-th percentile (0-100) of the time from capture to acknowledgement, ms. */
    long ackPercentile(double p) {
        long[] sorted = acks.stream().mapToLong(Acked::ackMillis).sorted().toArray();
        return sorted.length == 0 ? -1 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
    }

    long retries() {
        return retries.get();
    }

    /** Why frames were sent again: a status code, or the exception's class. */
    Map<String, AtomicLong> retryReasons() {
        return retryReasons;
    }

    @Override
    public void close() throws InterruptedException {
        capturing = false;
        closed = true;
        timer.shutdownNow();
        for (Thread sender : senders) {
            sender.join(15_000);
        }
    }
}
