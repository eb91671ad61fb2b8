package io.sightline.command;

import io.sightline.delivery.LiveLane;
import io.sightline.delivery.Spool;
import io.sightline.wire.DatagramBudget;
import io.sightline.wire.DetectionDatagram;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.DetectionDatagrams;
import io.sightline.wire.SenderIdentity;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

/**
 * Sending roles: the sender's state (STREAMING / WAITING), its datagrams (detections, heartbeats, command
 * acknowledgements, each reporting the state, the spool backlog and the command port) and the command checks.
 */
public class SenderCommandsConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "senderState", lazy = true)
    public SenderState senderState(SenderIdentity identity, SightlineMetrics metrics) {
        return new SenderState(metrics, identity.device());
    }

    @BindToRegistry(value = "detectionDatagrams", lazy = true)
    public DetectionDatagrams detectionDatagrams(SenderIdentity identity, Spool spool, SenderState state, LiveLane live,
                                                 @PropertyInject("sightline.sender.heartbeat-ms") long heartbeatMillis,
                                                 @PropertyInject("sightline.sender.command-port") int commandPort,
                                                 @PropertyInject("sightline.sender.datagram-share") double datagramShare,
                                                 SightlineMetrics metrics) {
        return new DetectionDatagrams(heartbeatMillis, new DetectionDatagrams.Sender(identity.device(), identity.stream(),
                identity.datagramKey(), spool::frames, state::state, commandPort, () -> new DetectionDatagram.Link(live.rung(),
                live.ladder().get(live.rung()).describe(), Math.round(live.link().bps() / 1000), live.secondsToDrain(spool.bytes()))),
                new DatagramBudget(datagramShare, () -> live.link().bps(), heartbeatMillis, System::nanoTime),
                metrics.counter("datagrams.sent", "device", identity.device()),
                metrics.counter("bytes.sent", "device", identity.device(), "path", "udp"),
                metrics.counter("datagrams.held.back", "device", identity.device()));
    }

    @BindToRegistry(value = "senderCommands", lazy = true)
    public SenderCommands senderCommands(SenderIdentity identity, SenderState state, DetectionDatagrams datagrams,
                                         @PropertyInject("sightline.security.max-skew-ms") long maxSkewMillis) {
        return new SenderCommands(identity.device(), identity.stream(), identity.deviceKey(), maxSkewMillis,
                System::currentTimeMillis, state, datagrams);
    }
}
