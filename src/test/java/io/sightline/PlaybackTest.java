package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.capture.FrameMarker;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * Playback of a span across segments: 35 s of a camera at 10 fps recorded in 10 s segments, each frame stamped with
 * its number and carrying one detection whose box moves with the frame number. A 25-second span that crosses two
 * segment boundaries comes back as one H.264 (constrained baseline) MP4 holding exactly the span's frames in order,
 * with HTTP ranges (and the segment download too); in a real Chromium the console plays it, is seeked to the span's
 * middle, and the frame it shows - read from the video's own pixels (the frame-number strip) - is the frame the
 * console draws the boxes of, and those boxes are that frame's.
 */
class PlaybackTest {

    private static final String DEVICE = "gate-cam";
    private static final int FPS = 10;
    private static final int FRAMES = 350;
    private static final long T0 = System.currentTimeMillis() - 60_000;
    private static final int WIDTH = 320;
    private static final int HEIGHT = 240;

    /** The frame number of the strip drawn in the video's current picture (the marker: reference cells, 24 bits). */
    private static final String SHOWN = """
            const v = document.getElementById('video'), c = document.createElement('canvas');
            c.width = v.videoWidth; c.height = v.videoHeight;
            const g = c.getContext('2d'); g.drawImage(v, 0, 0);
            const cell = Math.max(4, Math.floor(c.width / 26)), y = c.height - cell / 2;
            const level = i => { const p = g.getImageData(i * cell + cell / 2, y, 1, 1).data; return (p[0] + p[1] + p[2]) / 3; };
            const white = level(0), black = level(1);
            let n = 0;
            for (let i = 0; i < 24; i++) n = n * 2 + (level(i + 2) > (white + black) / 2 ? 1 : 0);
            return white - black > 64 ? n : -1;
            """;
    /** Whether the boxes canvas has the box colour (#ffd400) at a point. */
    private static final String YELLOW_AT = """
            const p = document.getElementById('boxes').getContext('2d').getImageData(arguments[0], arguments[1], 1, 1).data;
            return p[0] > 200 && p[1] > 180 && p[2] < 80 && p[3] > 200;
            """;

    @TempDir
    Path dir;

    @Test
    void aSpanAcrossSegmentsPlaysAsOneVideoAndASeekShowsTheRightFrameWithItsOwnBoxes() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.receiver.max-fps-per-device", "1000"); // 35 s of frames posted at once
        String base = Harness.base(receiver);
        try (Sightline rx = Sightline.start(receiver)) {
            for (int frame = 0; frame < FRAMES; frame++) {
                post(receiver, frame);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.filesUnder(dir.resolve("segments")).stream()
                    .filter(p -> p.toString().endsWith(".json")).count() == 4);

            long start = time(50);
            long end = time(300); // frames 50..299: through the boundaries at 100 and 200
            String query = "/api/v1/devices/" + DEVICE + "/video?start=" + start + "&end=" + Instant.ofEpochMilli(end);
            HttpResponse<byte[]> whole = get(base + query, null);
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.headers().firstValue("Content-Type")).hasValue("video/mp4");
            assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
            Path mp4 = dir.resolve("span.mp4");
            Files.write(mp4, whole.body());
            assertThat(markers(mp4)).containsExactlyElementsOf(range(50, 300));
            assertThat(probe(mp4)).isEqualTo("h264,Constrained Baseline,320,240");

            HttpResponse<byte[]> part = get(base + query, "bytes=1000-1999");
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/" + whole.body().length);
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(whole.body(), 1000, 2000));
            assertThat(get(base + query, "bytes=" + whole.body().length + "-").statusCode()).isEqualTo(416);
            HttpResponse<byte[]> ignored = get(base + query, "bytes=0-99999999999999999999"); // no long holds it: ignored
            assertThat(ignored.statusCode()).isEqualTo(200);
            assertThat(ignored.body()).isEqualTo(whole.body());
            assertThat(MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_playback_encode_duration_seconds_count"))
                    .as("the second and third requests were answered from the cache").isEqualTo(1);

            JsonNode frames = Json.MAPPER.readTree(get(base + "/api/v1/devices/" + DEVICE + "/frames?start=" + start + "&end=" + end,
                    null).body());
            assertThat(frames.path("fps").asDouble()).isEqualTo(FPS);
            assertThat(frames.path("frames")).hasSize(250);
            JsonNode f150 = frames.path("frames").get(100);
            assertThat(f150.path("frame").asLong()).isEqualTo(150);
            assertThat(f150.path("offsetMillis").asLong()).isEqualTo(10_000);
            assertThat(f150.path("detections").get(0).path("box").get(0).asInt()).isEqualTo(box(150)[0]);

            String day = Instant.ofEpochMilli(T0).atZone(ZoneOffset.UTC).toLocalDate().toString();
            HttpResponse<byte[]> download = get(base + "/api/v1/segments/" + DEVICE + "/" + day + "/seg-1.mkv", "bytes=0-3");
            assertThat(download.statusCode()).isEqualTo(206);
            assertThat(download.body()).containsExactly(0x1A, 0x45, 0xDF, 0xA3); // Matroska's EBML magic
            assertThat(get(base + "/api/v1/devices/" + DEVICE + "/video?start=" + end + "&end=" + start, null).statusCode()).isEqualTo(400);
            assertThat(get(base + "/api/v1/devices/" + DEVICE + "/video?start=1000&end=2000", null).statusCode()).isEqualTo(404);

            ChromeDriver browser = Browser.open();
            try {
                browser.get(base + "/login?code=" + rx.loginCode());
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
                browser.findElement(By.cssSelector("nav button[data-tab='recordings']")).click();
                wait.until(d -> !d.findElements(By.cssSelector("#segments li")).isEmpty());
                browser.executeAsyncScript("window.sightline.playSpan(arguments[0], arguments[1], arguments[2])"
                        + ".then(arguments[arguments.length - 1])", DEVICE, start, end);
                WebElement video = browser.findElement(By.id("video"));
                wait.until(d -> ((Number) browser.executeScript("return arguments[0].currentTime", video)).doubleValue() > 0.5);
                double duration = ((Number) browser.executeScript("return arguments[0].duration", video)).doubleValue();
                assertThat(duration).isBetween(24.5, 25.5);

                // seek to the middle: 12.5 s into the span is frame 175
                browser.executeScript("arguments[0].pause(); arguments[0].currentTime = 12.5;", video);
                wait.until(d -> Boolean.TRUE.equals(browser.executeScript("return !arguments[0].seeking && "
                        + "document.getElementById('boxes').dataset.frame === '175'", video)));
                wait.until(d -> ((Number) browser.executeScript(SHOWN)).longValue() == 175);
                int[] box = box(175);
                int middle = (box[1] + box[3]) / 2;
                assertThat(browser.executeScript(YELLOW_AT, box[0], middle)).as("frame 175's box, left edge").isEqualTo(true);
                assertThat(browser.executeScript(YELLOW_AT, box(180)[0], middle)).as("no other frame's box").isEqualTo(false);
                Browser.screenshot(browser, "console-span-playback.png");
                System.out.printf("span playback: first frame %s ms after the request, seek %s ms%n",
                        browser.executeScript("return Math.round(window.sightline.firstFrameMillis)"),
                        browser.executeScript("return Math.round(window.sightline.seekMillis)"));
            } finally {
                browser.quit();
            }
        }
    }

    /** The frame numbers stamped in the video's pictures, in order. */
    private static List<Long> markers(Path video) throws Exception {
        List<Long> found = new ArrayList<>();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            grabber.start();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                found.add(FrameMarker.read(converter.convert(frame)));
            }
        }
        return found;
    }

    private static String probe(Path video) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,profile,width,height", "-of", "csv=p=0", video.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return out;
    }

    private static List<Long> range(long from, long to) {
        List<Long> list = new ArrayList<>();
        for (long i = from; i < to; i++) {
            list.add(i);
        }
        return list;
    }

    private static long time(int frame) {
        return T0 + frame * (1000L / FPS);
    }

    /** Frame n's detection: a box that moves 10 px a frame, so each frame's box is its own. */
    private static int[] box(long frame) {
        int x = 20 + (int) (frame % 20) * 12;
        return new int[] {x, 60, x + 40, 160};
    }

    private static void post(Map<String, String> receiver, int frame) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, "s1", frame, time(frame), "seg-" + frame / 100,
                frame % 100 == 99 || frame == FRAMES - 1);
        headers.put("Sightline-Detections", Json.text(List.of(new Detection("car", 0.8, box(frame)))));
        HttpResponse<String> response = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers, jpeg(frame));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static byte[] jpeg(int frame) {
        try (Mat image = new Mat(HEIGHT, WIDTH, CV_8UC3, new Scalar(70, 60, 50, 0));
             org.bytedeco.javacpp.BytePointer out = new org.bytedeco.javacpp.BytePointer()) {
            FrameMarker.stamp(image, frame);
            imencode(".jpg", image, out);
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    private static HttpResponse<byte[]> get(String url, String range) throws Exception {
        HttpRequest.Builder request = Harness.operator(url).GET();
        if (range != null) {
            request.header("Range", range);
        }
        return Harness.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
