package io.sightline;

import io.sightline.capture.FrameMarker;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

class LiveViewTest {

    @TempDir
    static Path data;
    static Map<String, String> settings;
    static Sightline receiver;
    static String base;
    static final List<byte[]> FRAMES = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        settings = Harness.receiver(data);
        receiver = Sightline.start(settings);
        base = Harness.base(settings);
        // large frames, so that 120 of them overflow every socket buffer between receiver and a stalled viewer
        SyntheticSource scene = new SyntheticSource(1280, 960);
        scene.open();
        JpegEncoder encoder = new JpegEncoder(95);
        for (int i = 0; i < 120; i++) {
            FRAMES.add(encoder.encode(scene.grab()));
        }
        scene.close();
    }

    @AfterAll
    static void stop() throws Exception {
        receiver.close();
    }

    private static void post(String device, int frame) throws Exception {
        assertThat(Harness.post(base + "/api/v1/frames",
                Harness.frameHeaders(device, "s", frame, 1_700_000_000_000L + frame * 50L, "seg", false), FRAMES.get(frame))
                .statusCode()).isEqualTo(201);
    }

    @Test
    void latestJpegIsTheNewestFrameAndUnknownDevicesAre404() throws Exception {
        post("latest-cam", 0);
        post("latest-cam", 1);
        HttpResponse<byte[]> latest = Harness.HTTP.send(Harness.operator(
                base + "/api/v1/devices/latest-cam/latest.jpg").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(latest.statusCode()).isEqualTo(200);
        assertThat(latest.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(latest.body()).isEqualTo(FRAMES.get(1));

        HttpResponse<String> unknown = Harness.get(base + "/api/v1/devices/nobody/latest.jpg");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"error\":\"unknown-device\"");

        HttpResponse<String> page = Harness.get(base + "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/api/v1/devices").contains("live.mjpeg");
    }

    @Test
    void mjpegPushesNewFramesAndAStalledViewerSkipsInsteadOfQueueing() throws Exception {
        post("mjpeg-cam", 0);
        HttpResponse<InputStream> stream = Harness.HTTP.send(Harness.operator(
                base + "/api/v1/devices/mjpeg-cam/live.mjpeg").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("multipart/x-mixed-replace; boundary=sightline-frame");
        try (InputStream in = stream.body()) {
            assertThat(marker(nextPart(in))).isEqualTo(0);
            post("mjpeg-cam", 1);
            assertThat(marker(nextPart(in))).isEqualTo(1);

            // the viewer stalls while 118 frames arrive, then reads on
            for (int frame = 2; frame < FRAMES.size(); frame++) {
                post("mjpeg-cam", frame);
            }
            List<Long> seen = new ArrayList<>();
            long last = -1;
            while (last != FRAMES.size() - 1 && seen.size() < FRAMES.size()) {
                last = marker(nextPart(in));
                seen.add(last);
            }
            assertThat(seen).isSorted().endsWith((long) FRAMES.size() - 1);
            assertThat(seen.size()).as("frames delivered after the stall").isLessThan(FRAMES.size() - 2);
        }
    }

    /** Reads one multipart part and returns its JPEG. */
    private static byte[] nextPart(InputStream in) throws IOException {
        String boundary = line(in);
        assertThat(boundary).isEqualTo("--sightline-frame");
        int length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.startsWith("Content-Length: ")) {
                length = Integer.parseInt(header.substring(16));
            }
        }
        byte[] jpeg = in.readNBytes(length);
        assertThat(line(in)).isEmpty();
        return jpeg;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("stream ended");
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.US_ASCII).replace("\r", "");
    }

    private static long marker(byte[] jpeg) {
        try (Mat bytes = new Mat(jpeg); Mat image = imdecode(bytes, IMREAD_COLOR)) {
            return FrameMarker.read(image);
        }
    }
}
