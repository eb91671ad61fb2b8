package io.sightline.wire;

import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

/**
 * Every role: the frame metadata headers, and the counting of refused input - dropped datagrams (a receiver's
 * detections, a sender's commands), and on a receiver the JPEG check and the HTTP error envelope.
 */
public class WireConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "frameHeaders", lazy = true)
    public FrameHeaders frameHeaders() {
        return new FrameHeaders();
    }

    @BindToRegistry(value = "streamFrames", lazy = true)
    public StreamFrames streamFrames() {
        return new StreamFrames();
    }

    @BindToRegistry(value = "datagramRejects", lazy = true)
    public DatagramRejects datagramRejects(RepeatedWarnings warnings, SightlineMetrics metrics) {
        return new DatagramRejects(warnings, metrics);
    }

    @BindToRegistry(value = "jpegCheck", lazy = true)
    public JpegCheck jpegCheck(@PropertyInject("sightline.frame.max-bytes") long maxBytes) {
        return new JpegCheck(maxBytes);
    }

    @BindToRegistry(value = "frameReceipts", lazy = true)
    public FrameReceipts frameReceipts(SightlineMetrics metrics) {
        return new FrameReceipts(metrics);
    }

    @BindToRegistry(value = "errorResponse", lazy = true)
    public ErrorResponse errorResponse(SightlineMetrics metrics) {
        return new ErrorResponse(metrics);
    }
}
