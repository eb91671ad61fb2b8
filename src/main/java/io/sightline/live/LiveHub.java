package io.sightline.live;

import io.sightline.match.DetectionMatcher;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.JpegCheck;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The newest frame of every device and what the live endpoints need: device list with rates, latest JPEG, and
 * MJPEG streams that always send the newest frame (a slow viewer skips frames, nothing queues up).
 */
public class LiveHub {

    private static final long RATE_WINDOW_MILLIS = 2000;

    private final Map<String, DeviceLive> devices = new ConcurrentHashMap<>();
    private final Set<ResponseStream> streams = ConcurrentHashMap.newKeySet();
    private final DetectionMatcher matcher;
    private final Function<String, String> senderStates;
    private final int maxViewers;

    /** @param senderStates a device's state (STREAMING / WAITING) as its last datagram reported it */
    public LiveHub(DetectionMatcher matcher, Function<String, String> senderStates, int maxViewers) {
        this.matcher = matcher;
        this.senderStates = senderStates;
        this.maxViewers = maxViewers;
    }

    /**
     * What the console shows of a device; {@code liveAgeMillis} is how old its newest frame was when it arrived
     * (the receiver's clock less its capture time), {@code rung}, {@code rungName}, {@code linkKbps} and
     * {@code backlogSeconds} are the sender's live lane as its datagrams report it (null before one did).
     */
    public record DeviceStatus(String device, String stream, long lastSeen, long lastFrame, long framesReceived,
                               double fps, long datagramsReceived, long datagramsLost, double datagramLossPercent,
                               long senderSpooled, String state, int width, int height, long liveAgeMillis,
                               Integer rung, String rungName, Long linkKbps, Double backlogSeconds) {
    }

    /** Latest state of one device; frame swaps are published under the object's monitor. */
    static final class DeviceLive {
        final String device;
        FrameMeta meta;
        byte[] jpeg;
        long version;
        long framesReceived;
        long lastSeen;
        int width;
        int height;
        long liveAgeMillis;
        final Deque<Long> arrivals = new ArrayDeque<>();

        DeviceLive(String device) {
            this.device = device;
        }

        synchronized double fps(long now) {
            while (!arrivals.isEmpty() && now - arrivals.peekFirst() > RATE_WINDOW_MILLIS) {
                arrivals.pollFirst();
            }
            return arrivals.size() * 1000.0 / RATE_WINDOW_MILLIS;
        }
    }

    /** Route step of {@code frames-in}, after the frame is stored. */
    public void publish(@Body byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta,
                        @ExchangeProperty("jpegSize") JpegCheck.Size size) {
        DeviceLive d = devices.computeIfAbsent(meta.device(), DeviceLive::new);
        long now = System.currentTimeMillis();
        synchronized (d) {
            d.framesReceived++;
            d.lastSeen = now;
            d.arrivals.addLast(now);
            if (d.meta == null || !d.meta.stream().equals(meta.stream()) || meta.frame() > d.meta.frame()) {
                d.meta = meta;
                d.jpeg = jpeg;
                d.liveAgeMillis = now - meta.captureTime();
                d.width = size.width();
                d.height = size.height();
                d.version++;
                d.notifyAll();
            }
        }
    }

    public List<DeviceStatus> devices() {
        long now = System.currentTimeMillis();
        Map<String, long[]> udp = new ConcurrentHashMap<>();
        matcher.counts().forEach(c -> udp.put(c.device(), new long[] {c.received(), c.lost(), c.spooled()}));
        List<DeviceStatus> list = new ArrayList<>();
        for (DeviceLive d : devices.values()) {
            long[] u = udp.getOrDefault(d.device, new long[3]);
            synchronized (d) {
                double loss = u[0] + u[1] == 0 ? 0 : 100.0 * u[1] / (u[0] + u[1]);
                DetectionDatagram.Link link = matcher.link(d.device);
                list.add(new DeviceStatus(d.device, d.meta.stream(), d.lastSeen, d.meta.frame(), d.framesReceived,
                        d.fps(now), u[0], u[1], loss, u[2], senderStates.apply(d.device), d.width, d.height, d.liveAgeMillis,
                        link == null ? null : link.rung(), link == null ? null : link.rungName(),
                        link == null ? null : link.estimateKbps(), link == null ? null : link.backlogSeconds()));
            }
        }
        list.sort(Comparator.comparing(DeviceStatus::device));
        return list;
    }

    public byte[] latest(@Header("id") String device, Exchange exchange) {
        DeviceLive d = known(device);
        synchronized (d) {
            exchange.getMessage().removeHeaders("*");
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "image/jpeg");
            exchange.getMessage().setHeader("Cache-Control", "no-store");
            exchange.getMessage().setHeader(FrameHeaders.FRAME, d.meta.frame());
            return d.jpeg;
        }
    }

    /** Streams multipart/x-mixed-replace of the device's frames; returns when the viewer goes away. */
    public void mjpeg(@Header("id") String device, Exchange exchange) {
        DeviceLive d = known(device);
        if (streams.size() >= maxViewers) {
            throw new InvalidInputException(503, "too-many-viewers", "at most " + maxViewers + " live viewers at once");
        }
        MjpegStream stream = new MjpegStream(d, exchange, streams::remove);
        streams.add(stream);
        stream.run();
    }

    /** The device's newest frame (a JPEG), or null before its first: an alert's snapshot for the integrations. */
    public byte[] newest(String device) {
        DeviceLive d = device == null ? null : devices.get(device);
        if (d == null) {
            return null;
        }
        synchronized (d) {
            return d.jpeg;
        }
    }

    private DeviceLive known(String device) {
        DeviceLive d = device == null ? null : devices.get(device);
        if (d == null) {
            throw new InvalidInputException(404, "unknown-device", "no frames received from device " + device);
        }
        return d;
    }

    /** Ends every open live stream (on shutdown, so in-flight viewers do not hold it up). */
    public void closeStreams() {
        new ArrayList<>(streams).forEach(ResponseStream::close);
    }
}
