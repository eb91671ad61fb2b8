package io.sightline.capture;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.Harness;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameMeta;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SourcesTest {

    static final SightlineMetrics METRICS = new SightlineMetrics(new SimpleMeterRegistry());

    @TempDir
    Path dir;

    private Path video(int frames) throws Exception {
        return Harness.markedVideo(dir, frames, 320, 240, 20);
    }

    @Test
    void fileIsReadInOrderAndLoops() throws Exception {
        GrabberSource source = new GrabberSource(video(5).toString(), true, true, 320, 240, 20);
        source.open();
        List<Long> markers = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        List<Boolean> ends = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            markers.add(FrameMarker.read(source.grab()));
            times.add(source.presentationMillis());
            ends.add(source.endsRun());
        }
        assertThat(source.framesPerSecond()).isEqualTo(20.0);
        source.close();
        assertThat(markers).containsExactly(0L, 1L, 2L, 3L, 4L, 0L, 1L, 2L, 3L, 4L, 0L, 1L);
        assertThat(times).containsExactly(0L, 50L, 100L, 150L, 200L, 0L, 50L, 100L, 150L, 200L, 0L, 50L); // the file's, at 20 fps
        assertThat(ends).containsExactly(false, false, false, false, true, false, false, false, false, true, false, false);
    }

    /**
     * A file's frames reach capture exactly as JavaCV's own conversion gives them: at a width swscale converts in
     * whole blocks (320), at one it does not (330: converted into the image itself, swscale wrote past its rows and
     * the JVM died), and from raw BGR (no YUV conversion at all).
     */
    @Test
    void everyPixelIsWhatJavaCvsOwnConversionGives() throws Exception {
        Path rawBgr = dir.resolve("raw-330x240.avi");
        try (SyntheticSource scene = new SyntheticSource(330, 240);
             FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(rawBgr.toFile(), 330, 240, 0)) {
            scene.open();
            recorder.setFormat("avi");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_RAWVIDEO);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            recorder.setFrameRate(20);
            recorder.start();
            OpenCVFrameConverter.ToMat toFrame = new OpenCVFrameConverter.ToMat();
            for (int i = 0; i < 3; i++) {
                recorder.record(toFrame.convert(scene.grab()));
            }
            recorder.stop();
        }
        for (Path file : List.of(Harness.markedVideo(dir, 3, 320, 240, 20), Harness.markedVideo(dir, 3, 330, 240, 20), rawBgr)) {
            GrabberSource source = new GrabberSource(file.toString(), false, true, 0, 0, 20);
            OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
            try (FFmpegFrameGrabber reference = new FFmpegFrameGrabber(file.toFile()); Mat difference = new Mat()) {
                source.open();
                reference.start();
                for (int i = 0; i < 3; i++) {
                    Mat ours = source.grab();
                    Mat theirs = converter.convert(reference.grabImage());
                    assertThat(ours.cols()).as("%s", file.getFileName()).isEqualTo(theirs.cols());
                    assertThat(ours.rows()).as("%s", file.getFileName()).isEqualTo(theirs.rows());
                    opencv_core.absdiff(ours, theirs, difference);
                    assertThat(opencv_core.countNonZero(difference.reshape(1, 0)))
                            .as("pixels that differ in frame %d of %s", i, file.getFileName()).isZero();
                }
            } finally {
                source.close();
            }
        }
    }

    @Test
    void httpStreamIsReadOnItsOwnThreadAndItsEndIsReportedAsAFailure() throws Exception {
        byte[] clip = Files.readAllBytes(video(40));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cam.mkv", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "video/x-matroska");
            exchange.sendResponseHeaders(200, clip.length);
            // paced like a camera: the clip in 40 pieces, 20 ms apart
            int piece = clip.length / 40 + 1;
            try {
                for (int offset = 0; offset < clip.length; offset += piece) {
                    exchange.getResponseBody().write(clip, offset, Math.min(piece, clip.length - offset));
                    exchange.getResponseBody().flush();
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        GrabberSource source = new GrabberSource("http://127.0.0.1:" + server.getAddress().getPort() + "/cam.mkv",
                false, true, 320, 240, 20);
        try {
            source.open();
            // the reader thread runs ahead; grab() hands out the newest frame, or null when nothing new came
            List<Long> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Mat frame = source.grab();
                if (frame != null) {
                    seen.add(FrameMarker.read(frame));
                }
                assertThat(seen).isNotEmpty();
            });
            assertThat(seen).allSatisfy(m -> assertThat(m).isBetween(0L, 39L));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try {
                    source.grab();
                    return false;
                } catch (Exception ended) {
                    return ended.getMessage().contains("stream ended");
                }
            });
        } finally {
            source.close();
            server.stop(0);
        }
    }

    @Test
    void aSourceThatCannotOpenIsRetriedWithBackoffNotOnEveryTick() {
        AtomicInteger attempts = new AtomicInteger();
        CaptureProcessor capture = new CaptureProcessor(() -> {
            attempts.incrementAndGet();
            return new GrabberSource(dir.resolve("missing.mp4").toString(), false, true, 320, 240, 20);
        }, "cam", "s", new SegmentPlanner("s", 10_000, 50), 320, 240, METRICS);
        for (int tick = 0; tick < 200; tick++) {
            assertThat(capture.capture()).isNull();
        }
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(capture.isOpen()).isFalse();
    }

    /** Stopping the capture route interrupts a tick that waits for a frame: the source stays open, nothing is lost. */
    @Test
    void anInterruptedTickLeavesTheSourceOpenAndTheNextTickGetsTheFrame() throws Exception {
        String file = video(3).toString();
        CaptureProcessor capture = new CaptureProcessor(() -> new GrabberSource(file, false, false, 320, 240, 20),
                "cam", "s", new SegmentPlanner("s", 10_000, 50), 320, 240, METRICS);
        Thread.currentThread().interrupt();
        assertThat(capture.capture()).isNull();
        assertThat(Thread.interrupted()).as("the interrupt is kept for the scheduler").isTrue();
        assertThat(capture.isOpen()).isTrue();
        assertThat(FrameMarker.read(capture.capture().image())).isZero(); // the source's own image: not closed here
        capture.close();
    }

    @Test
    void aCapturedFrameCarriesItsKeyAndSegment() throws Exception {
        CaptureProcessor capture = new CaptureProcessor(() -> new SyntheticSource(640, 480), "cam", "s",
                new SegmentPlanner("s", 10_000, 50), 320, 240, METRICS);
        CaptureProcessor.Captured captured = capture.capture();
        Mat frame = captured.image();
        assertThat(frame.cols()).isEqualTo(320);
        assertThat(frame.rows()).isEqualTo(240);
        FrameMeta meta = captured.meta();
        assertThat(meta.device()).isEqualTo("cam");
        assertThat(meta.frame()).isZero();
        assertThat(meta.segment()).isEqualTo("s-00000");
        assertThatThrownBy(() -> new JpegEncoder(0)).isInstanceOf(IllegalArgumentException.class);
        capture.close();
    }
}
