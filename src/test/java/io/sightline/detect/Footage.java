package io.sightline.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.wire.Detection;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Real footage with people labelled by hand (src/test/resources/footage/vtest-people.json: Debian's opencv-doc
 * vtest.avi, 16 frames, boxes made and checked by eye, never by a detector), played at the sender's capture size,
 * and the scores of a detector on it.
 */
final class Footage {

    static final Path VIDEO = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");
    /** People at least this tall (at the size played) and mostly visible make the recall; smaller ones are neither. */
    static final int MIN_HEIGHT = 50;

    record Person(int[] box, boolean occluded, boolean still) {
    }

    record Labelled(List<Person> people, List<int[]> ignored) {
    }

    final int width;
    final int height;
    final Map<Long, Labelled> truth = new HashMap<>();

    Footage(int width, int height) throws IOException {
        this.width = width;
        this.height = height;
        JsonNode doc;
        try (InputStream in = Footage.class.getResourceAsStream("/footage/vtest-people.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        double sx = (double) width / doc.path("width").asInt();
        double sy = (double) height / doc.path("height").asInt();
        for (JsonNode f : doc.path("frames")) {
            List<Person> people = new ArrayList<>();
            for (JsonNode p : f.path("people")) {
                people.add(new Person(scaled(p.path("box"), sx, sy), p.path("occluded").asBoolean(), p.path("static").asBoolean()));
            }
            List<int[]> ignored = new ArrayList<>();
            f.path("ignoredRegions").forEach(r -> ignored.add(scaled(r, sx, sy)));
            truth.put(f.path("frame").asLong(), new Labelled(people, ignored));
        }
    }

    static boolean available() {
        return Files.isReadable(VIDEO);
    }

    private static int[] scaled(JsonNode box, double sx, double sy) {
        return new int[] {(int) Math.round(box.get(0).asInt() * sx), (int) Math.round(box.get(1).asInt() * sy),
                (int) Math.round(box.get(2).asInt() * sx), (int) Math.round(box.get(3).asInt() * sy)};
    }

    /** Person detection: counted people found one box each at IoU 0.5, on the labelled frames. */
    Scoring people(Detector detector) throws Exception {
        Scoring score = new Scoring();
        play(frame -> truth.containsKey(frame), (frame, image) -> {
            Labelled l = truth.get(frame);
            List<int[]> counted = new ArrayList<>();
            List<int[]> other = new ArrayList<>();
            for (Person p : l.people()) {
                (p.occluded() || p.box()[3] - p.box()[1] < MIN_HEIGHT ? other : counted).add(p.box());
            }
            score.matchObjects(counted, other, l.ignored(), detector.detect(image), 0.5);
        });
        return score;
    }

    /** Motion: every frame goes through the detector (it learns the background); moving people make the recall. */
    Scoring motion(Supplier<Detector> detectors) throws Exception {
        Detector detector = detectors.get();
        Scoring score = new Scoring();
        play(frame -> true, (frame, image) -> {
            List<Detection> found = detector.detect(image);
            Labelled l = truth.get(frame);
            if (l != null) {
                List<int[]> moving = l.people().stream().filter(p -> !p.still()).map(Person::box).toList();
                List<int[]> anything = new ArrayList<>(l.ignored());
                l.people().forEach(p -> anything.add(p.box()));
                score.matchRegions(moving, anything, found);
            }
        });
        return score;
    }

    interface FrameConsumer {
        void accept(long frame, Mat image);
    }

    /** Decodes the video in order, handing the wanted frames over at the size played (the image is reused). */
    void play(java.util.function.LongPredicate wanted, FrameConsumer consumer) throws Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(VIDEO.toFile());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
             Mat sized = new Mat()) {
            grabber.start();
            long frame = 0;
            for (Frame f; (f = grabber.grabImage()) != null; frame++) {
                if (wanted.test(frame)) {
                    resize(converter.convert(f), sized, new Size(width, height), 0, 0, INTER_AREA);
                    consumer.accept(frame, sized);
                }
            }
        }
    }
}
